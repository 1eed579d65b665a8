/* A tiny DLL exporting one function; used as a DLL fixture and as the delay-loaded dependency. */
#ifdef _WIN32
#define EXPORT __declspec(dllexport)
#else
#define EXPORT
#endif

EXPORT int mylib_add(int a, int b) { return a + b; }
