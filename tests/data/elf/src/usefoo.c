/* Links against libfoo.so.1; built with RPATH or RUNPATH pointing at $ORIGIN/../lib. */
#include <stdio.h>

int foo_answer(int x);

int main(int argc, char **argv)
{
    (void)argv;
    printf("%d\n", foo_answer(argc));
    return 0;
}
