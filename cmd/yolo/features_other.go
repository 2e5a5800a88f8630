//go:build !amd64 && !arm64

package main

func cpuFeatures() string { return "(no SIMD kernels on this architecture)" }
