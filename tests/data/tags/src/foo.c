/* The library a wheel bundles in demo.libs/ (what auditwheel repair grafts). */
int foo_value(void) { return 42; }
