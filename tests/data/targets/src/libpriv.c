/* A private library with two symbol versions; the new build also starts a thread (pthread_create). */
#include <pthread.h>
static void *noop(void *arg) { return arg; }
int priv_one(void) { return 1; }
#ifndef PRIV_OLD
int priv_two(void) { pthread_t t; void *r; if (pthread_create(&t, 0, noop, 0)) return -1; pthread_join(t, &r); return 2; }
#endif
