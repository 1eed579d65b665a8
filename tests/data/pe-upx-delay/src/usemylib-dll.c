/* A DLL that delay-loads mylib.dll: mylib_add is resolved on first call (linked with --delayload=mylib.dll). */
int mylib_add(int a, int b);

__declspec(dllexport) int usemylib_add(int a, int b) { return mylib_add(a, b) + 1; }
