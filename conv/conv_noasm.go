//go:build (!amd64 && !arm64) || purego

package conv

// kernelTable is the dispatch table: only the pure-Go kernels without assembly.
var kernelTable = []kernels{genericKernels}
