/* A tiny "service": computes a power, as the seed case's service did through libm's pow. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    double base = argc > 1 ? strtod(argv[1], NULL) : 2.0;
    printf("spex %g\n", pow(base, 10.0));
    return 0;
}
