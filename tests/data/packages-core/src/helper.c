/* Windows: a DLL beside the program (app directory) or in <pkg>.libs (delvewheel's directory). */
__declspec(dllexport) int helper(void) { return 42; }
