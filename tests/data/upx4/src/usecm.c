/* linkguard UPX 4 fixture: loads the packed shared library at run time (dlopen), so the manifest can
 * record whether the UPX-packed .so still works. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) { printf("dlopen failed: %s\n", dlerror()); return 1; }
    double (*value)(double) = (double (*)(double))dlsym(h, "lg_cm_value");
    const char *(*table)(void) = (const char *(*)(void))dlsym(h, "lg_cm_table");
    if (!value || !table) { printf("dlsym failed\n"); return 1; }
    printf("linkguard-upx4-lib-ok value=%.3f table=%zu\n", value(2.5), strlen(table()));
    return 0;
}
