/* The host: dlopen()s each module named on the command line, as an interpreter loads an extension module, and
   says for each whether it loaded (the loader's own message when not). Built by the tests, never committed. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        void *handle = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            printf("%s: %s\n", argv[i], dlerror());
            failed = 1;
        } else {
            printf("%s: loaded\n", argv[i]);
        }
    }
    return failed;
}
