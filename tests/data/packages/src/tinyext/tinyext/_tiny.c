/* One function calling libm, so the extension needs libm.so.6 and libc.so.6 as most extensions do. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

static PyObject *tiny_hypot(PyObject *self, PyObject *args) {
    double x, y;
    if (!PyArg_ParseTuple(args, "dd", &x, &y)) {
        return NULL;
    }
    return PyFloat_FromDouble(hypot(x, y));
}

static PyMethodDef tiny_methods[] = {
    {"hypot", tiny_hypot, METH_VARARGS, "hypot(x, y) from libm."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef tiny_module = {PyModuleDef_HEAD_INIT, "_tiny", NULL, -1, tiny_methods};

PyMODINIT_FUNC PyInit__tiny(void) { return PyModule_Create(&tiny_module); }
