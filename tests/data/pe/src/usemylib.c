/* Calls mylib_add from mylib.dll; linked through a delay-load import library (dlltool -y). */
#include <stdio.h>

int mylib_add(int a, int b);

int main(void) {
    printf("2 + 3 = %d\n", mylib_add(2, 3));
    return 0;
}
