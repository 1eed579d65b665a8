/* The library another package ships (as @img/sharp-libvips-linux-x64 ships libvips-cpp for @img/sharp-linux-x64). */
int dep_value(void) { return 41; }
