package train

import "math"

// This file holds the pure-Go Adam kernel. It has no build tag, so it is
// compiled everywhere: it is the definition the assembly kernels in
// adam_amd64.s and adam_arm64.s are tested against, and the code of
// -tags purego builds.

// adamKernel is one implementation of the per-element Adam update.
type adamKernel struct {
	name      string
	available bool // the CPU has every feature the kernel uses
	fn        func(theta, g, m, v []float32, alpha, c1, c2, eps float32)
}

var adamGenericKernel = adamKernel{name: "Generic", available: true, fn: adamGeneric}

// adamImpl is the best available entry of adamTable, fixed at init.
var adamImpl = func() adamKernel {
	for _, k := range adamTable {
		if k.available {
			return k
		}
	}
	return adamGenericKernel
}()

// adamUpdate is the per-element update of TensorFlow's ApplyAdam kernel,
// with c1 = 1−β1 and c2 = 1−β2 (see adamGeneric). len(g), len(m) and
// len(v) must be at least len(theta).
func adamUpdate(theta, g, m, v []float32, alpha, c1, c2, eps float32) {
	adamImpl.fn(theta, g, m, v, alpha, c1, c2, eps)
}

// adamGeneric is, with every operation rounded to float32 on its own:
//
//	for i := range theta {
//		m[i] += (g[i] − m[i])·c1
//		v[i] += (g[i]·g[i] − v[i])·c2
//		theta[i] −= (m[i]·alpha) / (√v[i] + eps)
//	}
//
// Every product is converted to float32 explicitly so the compiler cannot
// fuse it into an FMA, and the square root of a float32 taken in float64
// and rounded back is the correctly rounded float32 root: the result is
// the same bits as the assembly kernels (which use the same operations in
// the same order, never FMA) on amd64 and arm64, for every element
// wherever it falls in a vector block or tail.
func adamGeneric(theta, g, m, v []float32, alpha, c1, c2, eps float32) {
	g, m, v = g[:len(theta)], m[:len(theta)], v[:len(theta)]
	for j := range theta {
		gj := g[j]
		m[j] += float32((gj - m[j]) * c1)
		v[j] += float32((float32(gj*gj) - v[j]) * c2)
		theta[j] -= float32(m[j]*alpha) / (float32(math.Sqrt(float64(v[j]))) + eps)
	}
}
