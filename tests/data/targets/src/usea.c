/* Needs liba, which needs libb: a transitive need. */
#include <stdio.h>
extern int a_value(void);
int main(void) { printf("%d\n", a_value()); return 0; }
