int greet_width(const char *name);
