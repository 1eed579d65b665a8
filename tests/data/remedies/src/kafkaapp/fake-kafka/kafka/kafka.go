// Package kafka stands in for confluent-kafka-go's package of the same name: a cgo package whose C part
// is chosen by build tags, glibc by default and musl with -tags musl (the real module links a bundled
// librdkafka built for one libc or the other).
package kafka

// Backoff is computed by the C part: pow from libm, so a glibc build needs pow@GLIBC_2.29.
func Backoff(attempt int) float64 { return backoff(attempt) }

// Libc names the C library the C part was built for.
func Libc() string { return libc() }
