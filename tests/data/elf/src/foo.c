/* Tiny shared library. */
int foo_answer(int x)
{
    return x * 2 + 42;
}
