/* A program that needs libbar.so, found through DT_RUNPATH $ORIGIN/../foo.libs. */
int bar(void);
int main(void) { return bar() == 42 ? 0 : 1; }
