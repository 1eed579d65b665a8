/* A bundled library with no DT_RPATH or DT_RUNPATH: its need libchainc.so is found only through its loader's. */
int chainc_value(void);
int chainb_value(void) { return chainc_value() + 1; }
