int z(void) { return 1; }
