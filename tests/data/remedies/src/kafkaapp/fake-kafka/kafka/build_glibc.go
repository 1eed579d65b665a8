//go:build !musl

package kafka

/*
#cgo LDFLAGS: -lm
#include <math.h>
const char *gnu_get_libc_version(void); // glibc only: without -tags musl a musl link fails
static double lg_backoff(double n) { return pow(2.0, n) * 0.1; }
static const char *lg_libc(void) { return gnu_get_libc_version(); }
*/
import "C"

func backoff(attempt int) float64 { return float64(C.lg_backoff(C.double(attempt))) }
func libc() string               { return "glibc " + C.GoString(C.lg_libc()) }
