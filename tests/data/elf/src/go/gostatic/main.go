// Pure-Go program: with CGO_ENABLED=0 it links statically.
// Uses the println builtin instead of fmt to keep the binary small.
package main

func main() {
	println("hello from a pure Go fixture")
}
