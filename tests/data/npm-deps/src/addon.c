/* An addon whose library comes from another npm package: it needs libdep.so.1 from @lgfix/dep-libs. */
int dep_value(void);
int addon_value(void) { return dep_value() + 1; }
