/* The smallest C program; gcc on the build host makes it need the build host's __libc_start_main version. */
#include <stdio.h>
int main(void) { puts("hello"); return 0; }
