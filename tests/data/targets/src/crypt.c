/* Needs libcrypt.so.1, which a slim base may not have. */
#include <crypt.h>
#include <stdio.h>
int main(void) { const char *h = crypt("pw", "$6$saltsalt$"); puts(h ? "crypt ok" : "crypt failed"); return 0; }
