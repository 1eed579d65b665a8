//go:build cgo

package main

// #include <stdlib.h>
// static int answer(void) { return abs(-42); }
import "C"

func greeter() string {
	if C.answer() == 42 {
		return "cgo"
	}
	return "cgo (unexpected)"
}
