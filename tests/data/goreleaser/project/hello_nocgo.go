//go:build !cgo

package main

func greeter() string { return "pure Go" }
