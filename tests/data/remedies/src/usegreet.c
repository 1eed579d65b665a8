/* linkguard remedy fixture: a program that needs libgreet beyond the C library. */
#include <stdio.h>
#include "greet.h"

int main(int argc, char **argv) {
    printf("linkguard-greet-ok width=%d\n", greet_width(argc > 1 ? argv[1] : "world"));
    return 0;
}
