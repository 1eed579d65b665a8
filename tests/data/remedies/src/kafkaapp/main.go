// Command kafkaapp is the seed case's shape: a Go service whose cgo comes from a dependency,
// github.com/confluentinc/confluent-kafka-go/v2 (here a small local stand-in wired in with a replace
// directive, so no network is needed), and which resolves its broker's host name with net.
package main

import (
	"net"
	"os"
	"strconv"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

func main() {
	broker := "localhost"
	if len(os.Args) > 1 {
		broker = os.Args[1]
	}
	addrs, err := net.LookupHost(broker)
	n := len(addrs)
	if err != nil {
		n = -1
	}
	b := kafka.Backoff(3)
	os.Stdout.WriteString("linkguard-kafka-ok libc=" + kafka.Libc() + " backoff=" + strconv.FormatFloat(b, 'f', 1, 64) +
		" addrs=" + strconv.Itoa(n) + "\n")
}
