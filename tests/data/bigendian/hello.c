/* A dynamically linked program whose symbol-version needs are read on a big-endian ELF (s390x). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    double x = argc > 1 ? strtod(argv[1], NULL) : 2.0;
    printf("%f\n", exp(x) + log(x));
    return 0;
}
