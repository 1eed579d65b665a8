// Command upxgostatic is a pure-Go program (CGO_ENABLED=0, statically linked) that the UPX
// fixtures pack; build info must survive packing and be readable after `upx -d`.
package main

import (
	"os"
	"strconv"
)

func main() {
	n := len(os.Args)
	os.Stdout.WriteString("linkguard-upx-go-static-ok args=" + strconv.Itoa(n) + "\n")
}
