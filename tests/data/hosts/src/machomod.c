/* A macOS CPython extension module: linked with -undefined dynamic_lookup, as CPython's own build and
 * setuptools link them, so PyModuleDef_Init is bound to the interpreter's symbol at load time. */
extern void *PyModuleDef_Init(void *def);
static char definition[256];
__attribute__((visibility("default"))) void *PyInit_machomod(void) { return PyModuleDef_Init(definition); }
