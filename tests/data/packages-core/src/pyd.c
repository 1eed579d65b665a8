/* Windows: a .pyd-like DLL importing a DLL that a delvewheel-style patch makes findable. */
__declspec(dllimport) int helper(void);
__declspec(dllexport) int ext_entry(void) { return helper(); }
