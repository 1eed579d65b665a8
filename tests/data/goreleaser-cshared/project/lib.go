// Package main is built with -buildmode=c-shared: a C shared library exporting Hello.
package main

import "C"

//export Hello
func Hello() C.int { return 42 }

func main() {}
