/* linkguard UPX fixture: a small C program that calls libm on a runtime value
 * (so glibc builds need pow/exp@GLIBC_2.29) and carries a compressible table
 * (so UPX does not refuse it as too small). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE "linkguard upx fixture: padding text that the packer can compress well, line after line.\n"
#define X4(s) s s s s
#define X16(s) X4(X4(s))
static const char table[] = X16(X16(LINE));

int main(int argc, char **argv) {
    double x = (double)argc + 0.5;
    if (argc > 1) x = strtod(argv[1], NULL);
    double y = pow(x, 1.5) + exp(x / 10.0);
    if (argc > 2) fputs(table, stdout);
    printf("linkguard-upx-ok result=%.3f table=%zu\n", y, strlen(table));
    return 0;
}
