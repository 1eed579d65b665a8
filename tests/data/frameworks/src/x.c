/* The framework's one function: X.framework/Versions/A/X, install name @rpath/X.framework/Versions/A/X. */
int x_answer(void) { return 42; }
