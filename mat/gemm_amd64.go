//go:build !purego

package mat

// gemmKernels is the dispatch table, best first. (Assembly kernels to come.)
var gemmKernels = []kernel{genericKernel}
