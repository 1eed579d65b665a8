// Command tiny is the smallest useful Go program, for the -buildmode=pie fixtures.
package main

import "os"

func main() { os.Stdout.WriteString("linkguard-tiny-ok\n") }
