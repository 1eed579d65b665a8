/* Plain C console program: only the C runtime and kernel32 (via the CRT) are imported. */
#include <stdio.h>

int main(int argc, char **argv) {
    printf("hello from %s (%d args)\n", argc > 0 ? argv[0] : "?", argc);
    return 0;
}
