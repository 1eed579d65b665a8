#include <stdio.h>

int main(void) {
    puts("spex");
    return 0;
}
