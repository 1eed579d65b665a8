//go:build musl

package kafka

/*
#cgo LDFLAGS: -lm
#include <math.h>
static double lg_backoff(double n) { return pow(2.0, n) * 0.1; }
*/
import "C"

func backoff(attempt int) float64 { return float64(C.lg_backoff(C.double(attempt))) }
func libc() string               { return "musl" }
