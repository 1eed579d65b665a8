/* A Windows CPython extension module without Python.h (Debian's headers are Linux's): the one CPython entry
 * it needs is declared here. PYTHON_DLL_NAME only documents which import library it is linked with:
 * python312.dll (a cp312 module) or python3.dll (an abi3 module); both export PyModuleDef_Init.
 * With -DWITH_VCRUNTIME it also imports vcruntime140.dll (and vcruntime140_1.dll), with -DWITH_MSVCP
 * msvcp140.dll, as an MSVC-built C++ module does; with -DNO_INIT it exports no PyInit_ at all. */
__declspec(dllimport) void *PyModuleDef_Init(void *def);
#ifdef WITH_VCRUNTIME
__declspec(dllimport) void *__current_exception(void);    /* vcruntime140.dll */
__declspec(dllimport) int __CxxFrameHandler4(void);       /* vcruntime140_1.dll */
#endif
#ifdef WITH_MSVCP
__declspec(dllimport) void _Thrd_yield(void);             /* msvcp140.dll */
#endif

static char definition[256];

#ifdef NO_INIT
__declspec(dllexport) void *hostmod_helper(void) {
#else
__declspec(dllexport) void *PyInit_winmod(void) {
#endif
#ifdef WITH_VCRUNTIME
    if (definition[1]) { __current_exception(); __CxxFrameHandler4(); }
#endif
#ifdef WITH_MSVCP
    if (definition[2]) _Thrd_yield();
#endif
    return PyModuleDef_Init(definition);
}
