// Pure-Go program built with -buildmode=pie and CGO_ENABLED=0:
// the Go internal linker emits PT_INTERP but no DT_NEEDED.
package main

func main() {
	println("hello from a Go PIE fixture")
}
