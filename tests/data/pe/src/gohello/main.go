// A tiny Go program for the windows/darwin cross builds (CGO_ENABLED=0: no C runtime).
// It avoids fmt to keep the committed binaries small.
package main

import (
	"os"
	"runtime"
)

func main() {
	os.Stdout.WriteString("hello from " + runtime.GOOS + "/" + runtime.GOARCH + "\n")
}
