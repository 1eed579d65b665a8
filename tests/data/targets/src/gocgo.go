// A Go program with cgo: linked by the host's gcc against its glibc.
package main

/*
#include <stdlib.h>
static int twice(int x) { return 2 * x; }
*/
import "C"
import "fmt"

func main() { fmt.Println(int(C.twice(21))) }
