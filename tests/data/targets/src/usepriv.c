/* Calls priv_two(), which libpriv defines at version PRIV_2 (libpriv.map). */
#include <stdio.h>
extern int priv_one(void);
extern int priv_two(void);
int main(void) { printf("%d %d\n", priv_one(), priv_two()); return 0; }
