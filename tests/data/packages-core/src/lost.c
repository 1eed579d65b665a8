/* macOS: a program whose @rpath/libgone.dylib is not in its package. */
int gone(void);
int main(void) { return gone(); }
