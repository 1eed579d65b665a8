/* A .pyd-shaped extension module: exports PyInit_fakemod and imports two functions from python312.dll.
 * The Python C API is declared by hand (no Python headers needed); the stub import library comes from
 * python3.def via dlltool, so the DLL name in the import table is exactly python312.dll. */
typedef struct PyObject PyObject;
typedef struct PyModuleDef PyModuleDef;
__declspec(dllimport) PyObject *PyModule_Create2(PyModuleDef *def, int apiver);
__declspec(dllimport) PyObject *PyLong_FromLong(long v);

static char moddef[104]; /* stands in for a PyModuleDef; never run */

__declspec(dllexport) PyObject *PyInit_fakemod(void) {
    PyObject *m = PyModule_Create2((PyModuleDef *)moddef, 1013);
    (void)PyLong_FromLong(42);
    return m;
}
