package train

import (
	"fmt"
	"math"
	"sync"

	"darkgo/mat"
)

// Param is one trainable tensor and the gradient the backward pass
// accumulated into it. Value and Grad have the same shape.
type Param struct {
	Name  string      // layer/role, used in error messages ("conv_12/kernel")
	Value *mat.Tensor // updated in place by Adam.Step
	Grad  *mat.Tensor // ∂loss/∂Value, read by Adam.Step
}

// Adam is the Keras Adam optimizer (SPEC §8.3): with step count t (1-based)
// and learning rate lr, for every element
//
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	α_t = lr·√(1−β2ᵗ)/(1−β1ᵗ)
//	θ ← θ − α_t·m/(√v + ε)
//
// Note Keras' ε is added to √v after bias correction has been folded into
// α_t, which differs from the paper's m̂/(√v̂ + ε) by a factor √(1−β2ᵗ) on ε.
//
// The arithmetic follows TensorFlow's ApplyAdam kernel, which the seed's
// Keras Adam calls, in float32: the moments are updated as
// m += (g − m)·(1−β1) and v += (g² − v)·(1−β2) with 1−β computed in float32
// (1−float32(0.999) = 0.00099998713…, not 0.001), and θ −= (m·α_t)/(√v + ε).
// α_t uses the float32 β's and is rounded once to float32 (TensorFlow
// computes it in float32, so it may differ from ours by an ulp). No AMSGrad,
// no weight decay: the seed declares an L2 regulariser of 5e-4 that never
// reaches its loss (SPEC §12 quirk 7); we keep that behaviour, so there is
// no decay term here.
type Adam struct {
	Beta1, Beta2, Epsilon float64
	T                     int64       // number of updates applied so far
	M, V                  [][]float32 // first and second moments, one slice per Param
	Workers               int         // goroutines per Step; ≤ 1 means serial
}

// NewAdam returns an Adam with the Keras defaults (β1 .9, β2 .999, ε 1e-7)
// and zero moments shaped like params. The learning rate is not part of the
// optimizer: Step takes it, so the schedule owns it (Keras' default 1e-3 is
// never used; see Schedule).
func NewAdam(params []Param, workers int) *Adam {
	a := &Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Workers: workers}
	a.M = make([][]float32, len(params))
	a.V = make([][]float32, len(params))
	for i, p := range params {
		a.M[i] = make([]float32, p.Value.Len())
		a.V[i] = make([]float32, p.Value.Len())
	}
	return a
}

// StepRate returns α_t = lr·√(1−β2ᵗ)/(1−β1ᵗ) for update t (1-based).
// The β's are rounded to float32 first, as TensorFlow holds them.
func (a *Adam) StepRate(lr float64, t int64) float64 {
	b1, b2 := float64(float32(a.Beta1)), float64(float32(a.Beta2))
	return lr * math.Sqrt(1-math.Pow(b2, float64(t))) / (1 - math.Pow(b1, float64(t)))
}

// Step applies one update with learning rate lr to every parameter, using
// its current Grad, and increments T. It panics if params does not match
// the moments it was built for (a programming error).
func (a *Adam) Step(params []Param, lr float64) {
	if len(params) != len(a.M) {
		panic(fmt.Sprintf("train: adam: %d params, moments for %d", len(params), len(a.M)))
	}
	for i, p := range params {
		if p.Value.Len() != len(a.M[i]) || p.Grad.Len() != len(a.M[i]) {
			panic(fmt.Sprintf("train: adam: param %d (%s) has %d values, %d grads, moments for %d",
				i, p.Name, p.Value.Len(), p.Grad.Len(), len(a.M[i])))
		}
	}
	a.T++
	alpha := float32(a.StepRate(lr, a.T))
	// 1−β in float32, as TensorFlow forms it (see Adam).
	c1, c2, eps := 1-float32(a.Beta1), 1-float32(a.Beta2), float32(a.Epsilon)
	// The update is elementwise, so splitting the flat index range across
	// goroutines gives the same bits as the serial loop.
	var wg sync.WaitGroup
	for i, p := range params {
		n := len(a.M[i])
		w := a.Workers
		if w < 1 || n < 1<<16 {
			w = 1
		}
		chunk := (n + w - 1) / w
		for lo := 0; lo < n; lo += chunk {
			hi := min(lo+chunk, n)
			th, g, m, v := p.Value.Data[lo:hi], p.Grad.Data[lo:hi], a.M[i][lo:hi], a.V[i][lo:hi]
			if w == 1 {
				adamUpdate(th, g, m, v, alpha, c1, c2, eps)
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				adamUpdate(th, g, m, v, alpha, c1, c2, eps)
			}()
		}
	}
	wg.Wait()
}
