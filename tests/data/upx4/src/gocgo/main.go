// Command upxgocgo calls libm's pow through cgo on a runtime value, so the glibc build is
// dynamically linked and needs pow@GLIBC_2.29; the UPX fixture hides that behind packing.
package main

/*
#cgo LDFLAGS: -lm
#include <math.h>
static double lg_pow(double x, double y) { return pow(x, y); }
*/
import "C"

import (
	"os"
	"strconv"
)

func main() {
	x := float64(len(os.Args)) + 0.5
	r := float64(C.lg_pow(C.double(x), C.double(1.5)))
	os.Stdout.WriteString("linkguard-upx-go-cgo-ok pow=" + strconv.FormatFloat(r, 'f', 3, 64) + "\n")
}
