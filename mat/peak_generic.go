package mat

// peakGeneric is the definition of the peak loops: independent
// accumulators, each updated n times as acc = acc·1 + 1; it returns the first
// (= n, exact below 2²⁴). Eight accumulators keep the FP pipes busy.
func peakGeneric(n int) float32 {
	var a0, a1, a2, a3, a4, a5, a6, a7 float32
	one := float32(1)
	for range n {
		a0 = a0*one + one
		a1 = a1*one + one
		a2 = a2*one + one
		a3 = a3*one + one
		a4 = a4*one + one
		a5 = a5*one + one
		a6 = a6*one + one
		a7 = a7*one + one
	}
	return a0 + (a1+a2+a3+a4+a5+a6+a7)*0
}

var genericPeak = peakLoop{name: "Generic", available: true, flops: 16, fn: peakGeneric}
