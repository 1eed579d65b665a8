// Command seed is linkguard's origin story in miniature: a cgo program that calls libm's pow on
// a runtime value (so a glibc build needs pow@GLIBC_2.29 from libm.so.6) and resolves a host name
// with net.LookupHost (so the cgo resolver, getaddrinfo, is linked in).  Built dynamic, packed,
// static against glibc (NSS trap) and static against musl (the fix).
package main

/*
#cgo LDFLAGS: -lm
#include <math.h>
static double seed_pow(double x, double y) { return pow(x, y); }
*/
import "C"

import (
	"net"
	"os"
	"strconv"
)

func main() {
	x := float64(len(os.Args)) + 0.5
	r := float64(C.seed_pow(C.double(x), C.double(1.5)))
	host := "localhost"
	if len(os.Args) > 1 {
		host = os.Args[1]
	}
	addrs, err := net.LookupHost(host)
	msg := "linkguard-seed-ok pow=" + strconv.FormatFloat(r, 'f', 3, 64)
	if err != nil {
		msg += " lookup-error=" + err.Error()
	} else {
		msg += " addrs=" + strconv.Itoa(len(addrs))
	}
	os.Stdout.WriteString(msg + "\n")
}
