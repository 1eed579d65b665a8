/* Links libfoo weakly (LC_LOAD_WEAK_DYLIB): the program runs without it and checks the symbol first. */
#include <stdio.h>

extern int foo_answer(void) __attribute__((weak_import));

int main(void) {
    if (foo_answer)
        printf("foo says %d\n", foo_answer());
    else
        puts("libfoo is absent");
    return 0;
}
