/* An extension-module-like shared object (wheel and npm addon shapes) that needs the bundled libbar. */
int bar(void);
int ext_entry(void) { return bar(); }
