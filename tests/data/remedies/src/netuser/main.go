// Command netuser uses net and os/user but no import "C": with cgo enabled Go links libc for the
// cgo DNS resolver and user lookup, which is what the CGO_ENABLED=0 and netgo/osusergo fixes remove.
package main

import (
	"net"
	"os"
	"os/user"
	"strconv"
)

func main() {
	addrs, err := net.LookupHost("localhost")
	n := len(addrs)
	if err != nil {
		n = -1
	}
	name := "?"
	if u, uerr := user.Current(); uerr == nil {
		name = u.Username
	}
	os.Stdout.WriteString("linkguard-netuser-ok user=" + name + " addrs=" + strconv.Itoa(n) + "\n")
}
