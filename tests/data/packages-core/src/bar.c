/* libbar: bundled beside its user, itself dynamic (needs libbaz through its own RUNPATH $ORIGIN). */
int baz(void);
int bar(void) { return baz() + 1; }
