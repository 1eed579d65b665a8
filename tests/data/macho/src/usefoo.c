/* Calls foo_answer from libfoo.dylib: the executable's LC_LOAD_DYLIB names libfoo's install name. */
#include <stdio.h>

int foo_answer(void);

int main(void) {
    printf("foo says %d\n", foo_answer());
    return 0;
}
