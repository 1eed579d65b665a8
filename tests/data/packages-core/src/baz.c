/* libbaz: the leaf library libbar needs. */
int baz(void) { return 41; }
