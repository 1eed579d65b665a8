// Go with cgo calling C++ that uses std::thread: built for windows/amd64 with Debian's MinGW posix
// toolchain as CC/CXX, the executable imports libstdc++-6.dll and libgcc_s_seh-1.dll; with
// -ldflags=-extldflags=-static it imports only KERNEL32 and msvcrt (the remedy, proven by the fixture pair).
package main

// int run_worker(void);
import "C"

import "os"

func main() {
	if C.run_worker() != 42 {
		os.Exit(1)
	}
	os.Stdout.WriteString("cgo ok\n")
}
