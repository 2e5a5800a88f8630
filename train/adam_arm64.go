//go:build !purego

package train

import "golang.org/x/sys/cpu"

// adamTable is the dispatch table, best first. The NEON kernel is
// implemented in adam_arm64.s; its definition is adamGeneric in
// adam_kernels.go.
var adamTable = []adamKernel{
	{name: "NEON", available: cpu.ARM64.HasASIMD, fn: adamNEON},
	adamGenericKernel,
}

// adamNEON is adamGeneric: for i := range theta { m[i] += (g[i]−m[i])·c1;
// v[i] += (g[i]²−v[i])·c2; theta[i] −= (m[i]·alpha)/(√v[i] + eps) }.
//
//go:noescape
func adamNEON(theta, g, m, v []float32, alpha, c1, c2, eps float32)
