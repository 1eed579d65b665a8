// Go with cgo linking a third-party dylib (libfoo, whose install name is /opt/homebrew/lib/libfoo.dylib),
// cross-built for darwin/arm64 with zig cc as the C compiler and linker.  build.sh copies this module to a
// temp dir and puts the stub libfoo.dylib in its lib/.
package main

// #cgo LDFLAGS: -L${SRCDIR}/lib -lfoo
// int foo_answer(void);
import "C"

import "os"

func main() {
	if C.foo_answer() != 42 {
		os.Exit(1)
	}
	os.Stdout.WriteString("cgo ok\n")
}
