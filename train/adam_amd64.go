//go:build !purego

package train

import "golang.org/x/sys/cpu"

// adamTable is the dispatch table, best first. The kernels are implemented
// in adam_amd64.s; their definition is adamGeneric in adam_kernels.go.
var adamTable = []adamKernel{
	{name: "AVX512", available: cpu.X86.HasAVX512F, fn: adamAVX512},
	{name: "AVX", available: cpu.X86.HasAVX, fn: adamAVX},
	adamGenericKernel,
}

// adamAVX512 is adamGeneric: for i := range theta { m[i] += (g[i]−m[i])·c1;
// v[i] += (g[i]²−v[i])·c2; theta[i] −= (m[i]·alpha)/(√v[i] + eps) }.
//
//go:noescape
func adamAVX512(theta, g, m, v []float32, alpha, c1, c2, eps float32)

// adamAVX is adamGeneric: for i := range theta { m[i] += (g[i]−m[i])·c1;
// v[i] += (g[i]²−v[i])·c2; theta[i] −= (m[i]·alpha)/(√v[i] + eps) }.
//
//go:noescape
func adamAVX(theta, g, m, v []float32, alpha, c1, c2, eps float32)
