/* The library at the end of the chain: needed by libchainb.so, which has no search path of its own. */
int chainc_value(void) { return 42; }
