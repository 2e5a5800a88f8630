//go:build (!amd64 && !arm64) || purego

package mat

// gemmKernels is the dispatch table: only the pure-Go kernel without assembly.
var gemmKernels = []kernel{genericKernel}

// transposeKernels has only the pure-Go block transpose here.
var transposeKernels = []transposeKernel{genericTranspose}
