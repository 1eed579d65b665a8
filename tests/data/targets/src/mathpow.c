/* Needs libm: exp/log/pow carry GLIBC_2.29 versions when linked against glibc 2.29 or newer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) { double x = argc > 1 ? atof(argv[1]) : 1.5; printf("%f\n", pow(x, exp(log(x)))); return 0; }
