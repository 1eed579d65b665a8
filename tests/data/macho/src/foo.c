/* A stub third-party library: built as a dylib whose install name mimics Homebrew's or uses @rpath. */
int foo_answer(void) { return 42; }
