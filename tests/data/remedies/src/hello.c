/* linkguard remedy fixture: the smallest C program; a default glibc 2.34+ build needs
 * __libc_start_main@GLIBC_2.34 and nothing from libm. */
#include <stdio.h>

int main(int argc, char **argv) {
    (void)argv;
    printf("linkguard-hello-ok args=%d\n", argc);
    return 0;
}
