/* The module the host dlopen()s: its search path points at pkg.libs/, where libchainb.so lies. */
int chainb_value(void);
int mod_value(void) { return chainb_value() + 1; }
