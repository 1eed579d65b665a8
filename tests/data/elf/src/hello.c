/* Minimal C program: the baseline for static/dynamic/cross fixtures. */
#include <stdio.h>

int main(void)
{
    puts("hello from a linkguard fixture");
    return 0;
}
