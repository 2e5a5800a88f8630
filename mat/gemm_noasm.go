//go:build (!amd64 && !arm64) || purego

package mat

// gemmKernels is the dispatch table: only the pure-Go kernel without assembly.
var gemmKernels = []kernel{genericKernel}

// packKernels has only the pure-Go packing copies here.
var packKernels = []packKernel{genericPack}
