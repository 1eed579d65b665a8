/* A CPython extension module (Debian's python3-dev): it exports PyInit_embedmod. build.sh links it twice: with
 * `python3-config --ldflags --embed` (DT_NEEDED libpython3.11.so.1.0: wrong for a module) and with
 * `python3-config --ldflags` (no libpython: the fix linkguard suggests). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(42); }

static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, "The answer."}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "embedmod", NULL, -1, methods};

PyMODINIT_FUNC PyInit_embedmod(void) { return PyModule_Create(&module); }
