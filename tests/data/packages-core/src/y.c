/* macOS: liby (install name @executable_path/../Frameworks/liby.dylib) needs libz via @loader_path. */
int z(void);
int y(void) { return z() + 1; }
