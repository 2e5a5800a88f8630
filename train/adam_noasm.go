//go:build (!amd64 && !arm64) || purego

package train

// adamTable is the dispatch table: only the pure-Go kernel.
var adamTable = []adamKernel{adamGenericKernel}
