/* strlcpy entered glibc in 2.38: built for glibc 2.38 it needs GLIBC_2.38. */
#include <stdio.h>
#include <string.h>
int main(void) { char buf[8]; strlcpy(buf, "probe-strlcpy", sizeof buf); puts(buf); return 0; }
