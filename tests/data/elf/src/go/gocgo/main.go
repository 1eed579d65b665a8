// Tiny cgo program: links against the C library dynamically.
package main

/*
static int twice(int x) { return 2 * x; }
*/
import "C"

func main() {
	println("cgo says", int(C.twice(21)))
}
