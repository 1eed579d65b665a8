/* The program that loads X.framework (linked -framework X): LC_LOAD_DYLIB @rpath/X.framework/Versions/A/X. */
int x_answer(void);
int main(void) { return x_answer() == 42 ? 0 : 1; }
