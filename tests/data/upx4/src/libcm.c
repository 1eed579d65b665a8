/* linkguard UPX 4 fixture: a small shared library (built with -soname) that calls libm on a runtime
 * value, so its glibc build needs pow/exp@GLIBC_2.29, and carries a compressible table so UPX does
 * not refuse it as too small.  UPX 4.x packs shared libraries and keeps PT_DYNAMIC readable. */
#include <math.h>

#define LINE "linkguard upx4 shared-library fixture: padding text the packer can compress, line after line.\n"
#define X4(s) s s s s
#define X16(s) X4(X4(s))
static const char table[] = X16(X16(LINE));

double lg_cm_value(double x) { return pow(x, 1.5) + exp(x / 10.0); }

const char *lg_cm_table(void) { return table; }
