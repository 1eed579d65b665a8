/* macOS: libx (install name @rpath/libx.dylib) and libz (install name @loader_path/libz.dylib). */
int x(void) { return 40; }
