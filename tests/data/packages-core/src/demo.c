/* macOS: the app's program, needing @rpath/libx.dylib and @executable_path/../Frameworks/liby.dylib. */
int x(void);
int y(void);
int main(void) { return x() + y() == 42 ? 0 : 1; }
