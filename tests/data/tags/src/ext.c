/* A Python extension module as linkguard's fixtures need it: it exports PyInit_demo and, depending on the
 * macros, needs a symbol version only a newer glibc has (NEW_GLIBC: statx, GLIBC_2.28) or a library the wheel
 * bundles (NEEDS_FOO: libfoo.so). Windows builds import a CPython DLL (PY_DLL) through an import library. */
#include <string.h>

#if defined(_WIN32)
#define EXPORT __declspec(dllexport)
__declspec(dllimport) void *PyModule_Create2(void *definition, int api_version);
#else
#define EXPORT __attribute__((visibility("default")))
#endif

#ifdef NEW_GLIBC
extern int statx(int dirfd, const char *path, int flags, unsigned int mask, void *buffer);
#endif
#ifdef NEEDS_FOO
extern int foo_value(void);
#endif

static char scratch[256];

EXPORT void *PyInit_demo(void) {
    int value = (int)strlen(scratch);
#ifdef NEW_GLIBC
    value += statx(0, "", 0, 0, scratch);
#endif
#ifdef NEEDS_FOO
    value += foo_value();
#endif
#if defined(_WIN32)
    return PyModule_Create2(scratch, value);
#else
    return value ? scratch : 0;
#endif
}
