package conv

import (
	"math"

	"darkgo/mat"
)

// Batch normalisation constants of the upstream Keras model (SPEC §2.6).
const (
	// BNEpsilon is added to the variance inside the square root. Keras
	// uses 1e-3; darknet's GPU path uses 1e-5 (its CPU path adds 1e-6
	// outside the root), so darknet-exact inference is this one edit away.
	BNEpsilon = 1e-3
	// BNMomentum weights the old running statistic in training mode:
	// running = BNMomentum·running + (1 − BNMomentum)·batch.
	BNMomentum = 0.99
)

// LeakySlope is the negative slope of YOLOv3's LeakyReLU.
const LeakySlope = 0.1

// Activation selects the activation fused after a batch norm or a
// convolution.
type Activation int

const (
	Linear Activation = iota // y = x
	Leaky                    // y = x for x ≥ 0, LeakySlope·x otherwise
)

func checkBN(y, x *mat.Tensor, params ...[]float32) (n, c, hw int) {
	if len(x.Shape) != 4 || y != nil && !y.SameShape(x) {
		panic(errShape)
	}
	n, c, hw = x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	for _, p := range params {
		if p != nil && len(p) != c {
			panic(errShape)
		}
	}
	return n, c, hw
}

// BatchNormTrain normalises x [N, C, H, W] with the batch statistics of each
// channel, taken over (N, H, W) with M = N·H·W values:
//
//	μ_c = Σ x / M,  σ²_c = Σ (x − μ_c)² / M          (biased, as Keras)
//	x̂ = (x − μ_c)/√(σ²_c + ε),  y = act(γ_c·x̂ + β_c)
//
// It writes mean[c] = μ_c and invStd[c] = 1/√(σ²_c + ε), which
// BatchNormBackward needs, and updates the running statistics
//
//	runMean = 0.99·runMean + 0.01·μ,  runVar = 0.99·runVar + 0.01·σ²·M/(M−1)
//
// (the running variance takes the unbiased estimate, as darknet does and,
// SPEC §2.6 believes, TensorFlow's fused kernel too; at 416×416, batch 4,
// M ≥ 676, so the choice moves runVar by under 0.2 %). gamma, beta, runMean, runVar,
// mean and invStd are [C]; y may be x (in place).
func BatchNormTrain(y, x *mat.Tensor, gamma, beta, runMean, runVar, mean, invStd []float32, act Activation) {
	n, c, hw := checkBN(y, x, gamma, beta, runMean, runVar, mean, invStd)
	m := float64(n * hw)
	// Channel by channel (the channels shared among goroutines): the
	// statistics, then the normalisation while the channel is in cache.
	parallelFor(c, 3*len(x.Data), func(c0, c1 int) {
		for ch := c0; ch < c1; ch++ {
			var s float64
			for i := range n {
				s += float64(sum(x.Data[(i*c+ch)*hw:][:hw]))
			}
			mu := float32(s / m)
			var ss float64
			for i := range n {
				ss += float64(sumSqDev(x.Data[(i*c+ch)*hw:][:hw], mu))
			}
			v := ss / m
			mean[ch] = mu
			invStd[ch] = float32(1 / math.Sqrt(v+BNEpsilon))
			runMean[ch] = BNMomentum*runMean[ch] + (1-BNMomentum)*mu
			unbiased := v
			if m > 1 {
				unbiased = v * m / (m - 1)
			}
			runVar[ch] = float32(BNMomentum*float64(runVar[ch]) + (1-BNMomentum)*unbiased)
			bnApply(y, x, gamma, beta, mean, invStd, act, ch, ch+1)
		}
	})
}

// BatchNormEval normalises x with the running statistics:
//
//	y = act(γ_c·(x − runMean_c)/√(runVar_c + ε) + β_c)
//
// If invStd is not nil it receives 1/√(runVar_c + ε), for
// BatchNormBackward in eval mode (if nil, a [C] scratch is allocated).
// y may be x (in place).
func BatchNormEval(y, x *mat.Tensor, gamma, beta, runMean, runVar, invStd []float32, act Activation) {
	_, c, _ := checkBN(y, x, gamma, beta, runMean, runVar, invStd)
	if invStd == nil {
		invStd = make([]float32, c) // eval without a gradient: a [C] scratch is cheap
	}
	for ch := range c {
		invStd[ch] = float32(1 / math.Sqrt(float64(runVar[ch])+BNEpsilon))
	}
	parallelFor(c, 2*len(x.Data), func(c0, c1 int) {
		bnApply(y, x, gamma, beta, runMean, invStd, act, c0, c1)
	})
}

// bnApply computes y = act(a_c·x + b_c) with a_c = γ_c·invStd_c and
// b_c = β_c − a_c·μ_c for the channels [c0, c1), one pass per channel row.
func bnApply(y, x *mat.Tensor, gamma, beta, mean, invStd []float32, act Activation, c0, c1 int) {
	n, c, hw := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	for ch := c0; ch < c1; ch++ {
		a := gamma[ch] * invStd[ch]
		b := beta[ch] - a*mean[ch]
		for i := range n {
			r := i*c + ch
			if act == Leaky {
				affineLeaky(y.Data[r*hw:][:hw], x.Data[r*hw:][:hw], a, b)
			} else {
				affine(y.Data[r*hw:][:hw], x.Data[r*hw:][:hw], a, b)
			}
		}
	}
}

// BatchNormBackward accumulates the gradients of y = act(γ·x̂ + β):
//
//	g = dy·act'(y)                        (g = dy for Linear)
//	dβ_c += Σ g,  dγ_c += Σ g·x̂
//	train: dx += γ_c·invStd_c/M · (M·g − Σg − x̂·Σ g·x̂)
//	eval:  dx += γ_c·invStd_c · g          (the statistics are constants)
//
// with sums over (N, H, W). x is the forward input, y the forward output
// (read only for Leaky; may be nil for Linear), mean and invStd what the
// forward pass wrote (runMean and the invStd of BatchNormEval in eval mode).
// For Leaky, dy is overwritten with g. dx, dgamma and dbeta are
// ([C]) accumulated into; any of them may be nil.
func BatchNormBackward(dx, dy, y, x *mat.Tensor, dgamma, dbeta, gamma, mean, invStd []float32, train bool, act Activation) {
	n, c, hw := checkBN(dy, x, dgamma, dbeta, gamma, mean, invStd)
	if dx != nil && !dx.SameShape(x) {
		panic(errShape)
	}
	if act == Leaky {
		if y == nil || !y.SameShape(x) {
			panic(errShape)
		}
		leakyGrad(dy.Data, dy.Data, y.Data)
	}
	m := float64(n * hw)
	for ch := range c {
		var sg, sgx float64 // Σ g, Σ g·(x − μ)
		for i := range n {
			off := (i*c + ch) * hw
			sg += float64(sum(dy.Data[off : off+hw]))
			sgx += float64(dotDev(dy.Data[off:off+hw], x.Data[off:off+hw], mean[ch]))
		}
		is := float64(invStd[ch])
		sgxh := sgx * is // Σ g·x̂
		if dbeta != nil {
			dbeta[ch] += float32(sg)
		}
		if dgamma != nil {
			dgamma[ch] += float32(sgxh)
		}
		if dx == nil {
			continue
		}
		// dx += a·g + b·x + c, expanding x̂ = (x − μ)·invStd.
		k := float64(gamma[ch]) * is
		a, b, cc := k, 0.0, 0.0
		if train {
			b = -k * sgxh * is / m
			cc = -k*sg/m - b*float64(mean[ch])
		}
		for i := range n {
			off := (i*c + ch) * hw
			bnGrad(dx.Data[off:off+hw], dy.Data[off:off+hw], x.Data[off:off+hw], float32(a), float32(b), float32(cc))
		}
	}
}

// BatchNormBackwardInPlace is BatchNormBackward for a batch norm that
// overwrote its input with its output (as the fused convolution unit does
// to save one activation-sized tensor per layer). It recovers x̂ from the
// output y instead of reading x:
//
//	pre = act⁻¹(y)  (y, or 10·y where y < 0, for Leaky),  x̂ = (pre − β_c)/γ_c
//
// then computes the input gradient as BatchNormBackward does but writes it
// over dy (dy becomes dX, not accumulated) and overwrites y with pre;
// dgamma and dbeta ([C], may be nil) are accumulated into. invStd is what
// the forward pass wrote (BatchNormTrain, or BatchNormEval when !train).
// Where γ_c = 0 the output carries no trace of x̂, so that channel's dγ
// contribution is taken as 0; its dX is exact (0, since dX scales with γ).
func BatchNormBackwardInPlace(dy, y *mat.Tensor, dgamma, dbeta, gamma, beta, invStd []float32, train bool, act Activation) {
	n, c, hw := checkBN(dy, y, dgamma, dbeta, gamma, beta, invStd)
	m := float64(n * hw)
	parallelFor(c, 5*len(y.Data), func(c0, c1 int) {
		for ch := c0; ch < c1; ch++ {
			bnBackwardInPlace(dy, y, dgamma, dbeta, gamma, beta, invStd, train, act, ch, m)
		}
	})
}

// bnBackwardInPlace is BatchNormBackwardInPlace for channel ch; m = N·H·W.
func bnBackwardInPlace(dy, y *mat.Tensor, dgamma, dbeta, gamma, beta, invStd []float32, train bool, act Activation, ch int, m float64) {
	n, c, hw := y.Shape[0], y.Shape[1], y.Shape[2]*y.Shape[3]
	var sg, sgp float64 // Σ g, Σ g·(pre − β)
	for i := range n {
		off := (i*c + ch) * hw
		g, pre := dy.Data[off:off+hw], y.Data[off:off+hw]
		if act == Leaky { // g = dy·act'(y) and pre = act⁻¹(y), in place, in the same pass
			s, p := leakySums(g, pre, beta[ch])
			sg, sgp = sg+float64(s), sgp+float64(p)
			continue
		}
		sg += float64(sum(g))
		sgp += float64(dotDev(g, pre, beta[ch]))
	}
	g, is := float64(gamma[ch]), float64(invStd[ch])
	var sgxh float64 // Σ g·x̂
	if g != 0 {
		sgxh = sgp / g
	}
	if dbeta != nil {
		dbeta[ch] += float32(sg)
	}
	if dgamma != nil {
		dgamma[ch] += float32(sgxh)
	}
	// dX = a·g + b·pre + c with x̂ = (pre − β)/γ, computed over g as
	// g + (a − 1)·g + b·pre + c.
	k := g * is
	a, b, cc := k, 0.0, 0.0
	if train {
		b = -is * sgxh / m
		cc = -k*sg/m - b*float64(beta[ch])
	}
	for i := range n {
		off := (i*c + ch) * hw
		bnGrad(dy.Data[off:off+hw], dy.Data[off:off+hw], y.Data[off:off+hw], float32(a-1), float32(b), float32(cc))
	}
}
