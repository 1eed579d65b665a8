/* Uses exp/pow/log on run-time input so the calls stay real libm calls.
 * With glibc >= 2.29 on x86-64 these bind to the GLIBC_2.29 symbol versions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    double x = argc > 1 ? strtod(argv[1], NULL) : 1.5;
    printf("%f %f %f\n", exp(x), pow(x, x), log(x));
    return 0;
}
