/* A stand-in for the VC++ runtime's msvcp140.dll (its name and the one export winmod_msvcp imports), for
 * delvewheel to find and bundle: what is checked is the bundling, not the C++ runtime. */
__declspec(dllexport) void _Thrd_yield(void) {}
