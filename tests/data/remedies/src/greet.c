/* linkguard remedy fixture: a third-party library, built both shared (libgreet.so.1) and static
 * (libgreet.a), so a program can link it either way. */
#include "greet.h"

int greet_width(const char *name) {
    int n = 0;
    while (name[n]) n++;
    return n + 7;
}
