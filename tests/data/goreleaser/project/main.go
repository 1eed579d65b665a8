// Command hello prints a greeting. The linux/arm64 build links through cgo (hello_cgo.go), so the release
// holds one static and one glibc-dynamic Linux binary for linkguard's per-target allowances to tell apart.
package main

import "os"

func main() {
	os.Stdout.WriteString("hello from " + greeter() + "\n")
}
