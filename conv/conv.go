package conv

import (
	"math"
	"runtime"
	"sync"

	"darkgo/mat"
)

// Panic messages for programming errors (shape mismatches); data errors do
// not reach this package.
const (
	errShape   = "conv: tensor shape does not match the layer"
	errStride  = "conv: stride and kernel size must be positive, padding non-negative"
	errKernel  = "conv: weights must be [Cout, Cin, k, k] with Cin matching x"
	errNoSpace = "conv: output would be empty"
)

// Workspace owns the scratch memory of the convolutions: the im2col buffer
// (one tile of output pixels, grown to the largest tile seen: a few MB), a
// GEMM with its packing buffers, and the helper goroutines of im2col and
// col2im. Steady-state calls allocate nothing. A Workspace is not safe for
// concurrent use; give each goroutine its own.
type Workspace struct {
	gemm *mat.Gemm
	col  []float32 // a tile [Cin·k·k, ≤ HW] of one image: im2col, then dcol
	team *team     // helpers that share im2col and col2im by channels
}

// NewWorkspace returns a Workspace whose GEMM, im2col and col2im use the
// given number of workers (≤ 0 means runtime.GOMAXPROCS(0)).
func NewWorkspace(workers int) *Workspace {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ws := &Workspace{gemm: mat.NewGemm(workers), team: &team{jobs: make([]chan colJob, workers-1)}}
	for i := range ws.team.jobs {
		ws.team.jobs[i] = make(chan colJob)
		go ws.team.help(ws.team.jobs[i])
	}
	// The helpers see only the team, never ws, so ws can be collected; its
	// cleanup then ends them.
	runtime.AddCleanup(ws, func(t *team) {
		for _, c := range t.jobs {
			close(c)
		}
	}, ws.team)
	return ws
}

// team runs im2col and col2im on several goroutines: each worker takes a
// contiguous range of input channels, whose rows of col (and, for col2im,
// whose planes of dX) no other worker touches.
type team struct {
	jobs []chan colJob // one per helper goroutine; the caller is worker 0
	wg   sync.WaitGroup
}

// colJob is im2col (or col2im when adjoint) of channels [c0, c1) over
// the tile of output pixels [p0, p1).
type colJob struct {
	g       geom
	col, x  []float32
	c0, c1  int
	p0, p1  int
	adjoint bool
}

func (j *colJob) run() {
	if j.adjoint {
		j.g.col2im(j.x, j.col, j.c0, j.c1, j.p0, j.p1)
	} else {
		j.g.im2col(j.col, j.x, j.c0, j.c1, j.p0, j.p1)
	}
}

func (t *team) help(jobs chan colJob) {
	for j := range jobs {
		j.run()
		t.wg.Done()
	}
}

// minColWork is the number of col elements below which another worker
// costs more in hand-over than it saves.
const minColWork = 1 << 15

// split runs job over all its channels, shared among the team.
func (t *team) split(job colJob) {
	per := job.g.k * job.g.k * (job.p1 - job.p0) // col elements per channel
	parts := min(len(t.jobs)+1, job.g.cin, max(1, job.g.cin*per/minColWork))
	for i := 1; i < parts; i++ {
		j := job
		j.c0, j.c1 = job.g.cin*i/parts, job.g.cin*(i+1)/parts
		t.wg.Add(1)
		t.jobs[i-1] <- j
	}
	job.c0, job.c1 = 0, job.g.cin/parts
	job.run()
	t.wg.Wait()
}

// Gemm returns the workspace's GEMM, for callers that need plain matrix
// products between convolutions.
func (ws *Workspace) Gemm() *mat.Gemm { return ws.gemm }

// colBuf returns the im2col buffer with at least n elements.
func (ws *Workspace) colBuf(n int) []float32 {
	if cap(ws.col) < n {
		ws.col = make([]float32, n)
	}
	return ws.col[:n]
}

// OutSize is the output side of a convolution with darknet padding:
// (in + 2·pad − k)/stride + 1.
func OutSize(in, k, stride, pad int) int { return (in+2*pad-k)/stride + 1 }

// geom is the validated geometry of one convolution.
type geom struct {
	n, cin, h, w, cout, k, s, p, ho, wo int
}

// direct reports whether col would equal x (1×1, stride 1, no padding).
func (g geom) direct() bool { return g.k == 1 && g.s == 1 && g.p == 0 }

func checkConv(y, x, w *mat.Tensor, stride, pad int) geom {
	if len(x.Shape) != 4 || len(w.Shape) != 4 || w.Shape[2] != w.Shape[3] || w.Shape[1] != x.Shape[1] {
		panic(errKernel)
	}
	k := w.Shape[2]
	if stride < 1 || k < 1 || pad < 0 {
		panic(errStride)
	}
	g := geom{n: x.Shape[0], cin: x.Shape[1], h: x.Shape[2], w: x.Shape[3], cout: w.Shape[0], k: k, s: stride, p: pad}
	if g.h+2*pad < k || g.w+2*pad < k {
		panic(errNoSpace)
	}
	g.ho, g.wo = OutSize(g.h, k, stride, pad), OutSize(g.w, k, stride, pad)
	if y != nil && !hasShape(y, g.n, g.cout, g.ho, g.wo) {
		panic(errShape)
	}
	return g
}

func hasShape(t *mat.Tensor, shape ...int) bool {
	if len(t.Shape) != len(shape) {
		return false
	}
	size := 1
	for i, d := range shape {
		if t.Shape[i] != d {
			return false
		}
		size *= d
	}
	return len(t.Data) == size // (not mat.Size: its panic path makes shape escape)
}

// Conv2DForward computes y = conv(x, w) without bias, overwriting y:
//
//	x [N, Cin, H, W], w [Cout, Cin, k, k], y [N, Cout, Ho, Wo]
//	for each image: y[Cout, HW] = W[Cout, Cin·k·k] · col[Cin·k·k, HW]
//
// with Ho = (H + 2·pad − k)/stride + 1 (darknet padding; pad = k/2 is
// "same"). It panics if the shapes do not fit.
func Conv2DForward(ws *Workspace, y, x, w *mat.Tensor, stride, pad int) {
	g := checkConv(y, x, w, stride, pad)
	g.forward(ws, y.Data, x.Data, w.Data, nil)
}

// epilogue is the bias and activation Conv2DInfer applies to each tile of
// y right after its GEMM, while the tile is still in cache.
type epilogue struct {
	bias []float32 // [Cout], or nil
	act  Activation
}

func (g geom) forward(ws *Workspace, y, x, w []float32, epi *epilogue) {
	ckk, hw := g.cin*g.k*g.k, g.ho*g.wo
	xs, ys := g.cin*g.h*g.w, g.cout*hw
	nb := g.tile()
	if g.direct() && epi == nil {
		nb = hw // nothing to keep in cache: one GEMM per image
	}
	for n := range g.n {
		xn, yn := x[n*xs:(n+1)*xs], y[n*ys:(n+1)*ys]
		for p0 := 0; p0 < hw; p0 += nb {
			p1 := min(p0+nb, hw)
			col, ldb := xn[p0:], hw // 1×1 stride 1: col[Cin, HW] is x itself
			if !g.direct() {
				col, ldb = ws.colBuf(ckk*(p1-p0)), p1-p0
				ws.team.split(colJob{g: g, col: col, x: xn, p0: p0, p1: p1})
			}
			// y[Cout, p0:p1] = W[Cout, Cin·k·k] · col[Cin·k·k, p0:p1]
			ws.gemm.Sgemm(mat.NoTrans, mat.NoTrans, g.cout, p1-p0, ckk, 1, w, ckk, col, ldb, 0, yn[p0:], hw)
			if epi == nil {
				continue
			}
			for co := range g.cout {
				row := yn[co*hw+p0 : co*hw+p1]
				var b float32
				if epi.bias != nil {
					b = epi.bias[co]
				}
				switch {
				case epi.act == Leaky:
					affineLeaky(row, row, 1, b)
				case b != 0:
					affine(row, row, 1, b)
				}
			}
		}
	}
}

// Conv2DBackward accumulates the gradients of y = conv(x, w):
//
//	dW[Cout, Cin·k·k] += dY[Cout, HW] · col[Cin·k·k, HW]ᵀ      summed over images
//	dcol[Cin·k·k, HW]  = Wᵀ · dY, then dX[Cin, H, W] += col2im(dcol)
//
// dy has y's shape, dw w's and dx x's. Both dw and dx are accumulated into,
// never overwritten; either may be nil when it is not needed (dx of the
// input image, dw of frozen weights). x and w are the forward inputs.
func Conv2DBackward(ws *Workspace, dx, dw, dy, x, w *mat.Tensor, stride, pad int) {
	g := checkConv(dy, x, w, stride, pad)
	if dx != nil && !dx.SameShape(x) || dw != nil && !dw.SameShape(w) {
		panic(errShape)
	}
	ckk, hw := g.cin*g.k*g.k, g.ho*g.wo
	xs, ys := g.cin*g.h*g.w, g.cout*hw
	nb := g.tile()
	for n := range g.n {
		xn, dyn := x.Data[n*xs:(n+1)*xs], dy.Data[n*ys:(n+1)*ys]
		if g.direct() {
			if dw != nil { // dW[Cout, Cin] += dY[Cout, HW] · x[Cin, HW]ᵀ
				ws.gemm.Sgemm(mat.NoTrans, mat.Trans, g.cout, ckk, hw, 1, dyn, hw, xn, hw, 1, dw.Data, ckk)
			}
			if dx != nil { // dX[Cin, HW] += W[Cout, Cin]ᵀ · dY[Cout, HW]
				ws.gemm.Sgemm(mat.Trans, mat.NoTrans, ckk, hw, g.cout, 1, w.Data, ckk, dyn, hw, 1, dx.Data[n*xs:(n+1)*xs], hw)
			}
			continue
		}
		for p0 := 0; p0 < hw; p0 += nb {
			p1 := min(p0+nb, hw)
			col := ws.colBuf(ckk * (p1 - p0))
			job := colJob{g: g, col: col, x: xn, p0: p0, p1: p1}
			if dw != nil { // dW[Cout, Cin·k·k] += dY[Cout, p0:p1] · colᵀ
				ws.team.split(job)
				ws.gemm.Sgemm(mat.NoTrans, mat.Trans, g.cout, ckk, p1-p0, 1, dyn[p0:], hw, col, p1-p0, 1, dw.Data, ckk)
			}
			if dx != nil { // dcol = Wᵀ · dY[Cout, p0:p1], scatter-added into dX
				ws.gemm.Sgemm(mat.Trans, mat.NoTrans, ckk, p1-p0, g.cout, 1, w.Data, ckk, dyn[p0:], hw, 0, col, p1-p0)
				job.x, job.adjoint = dx.Data[n*xs:(n+1)*xs], true
				ws.team.split(job)
			}
		}
	}
}

// Conv2DInfer is the fused inference convolution: a convolution with
// (folded) bias and activation applied to each tile of y right after its
// GEMM, while the tile is in cache,
//
//	y[co, :] = act(W[co, :] · col + bias[co])
//
// bias is [Cout] and may be nil (no bias). With w and bias from
// FoldBatchNorm and act = Leaky, it equals Conv2DForward, BatchNormEval and
// LeakyForward in sequence, up to rounding.
func Conv2DInfer(ws *Workspace, y, x, w *mat.Tensor, bias []float32, stride, pad int, act Activation) {
	g := checkConv(y, x, w, stride, pad)
	if bias != nil && len(bias) != g.cout {
		panic(errShape)
	}
	g.forward(ws, y.Data, x.Data, w.Data, &epilogue{bias: bias, act: act})
}

// FoldBatchNorm folds an inference batch normalisation into the weights of
// the convolution before it:
//
//	a_c = γ_c / √(σ²_c + ε)
//	W'[c, …] = a_c · W[c, …]        b'_c = β_c − a_c · μ_c
//
// so that conv(x, W') + b' = BatchNormEval(conv(x, W)). w is [Cout, …] and
// gamma, beta, mean, variance are [Cout]; it returns new tensors.
func FoldBatchNorm(w *mat.Tensor, gamma, beta, mean, variance []float32) (*mat.Tensor, []float32) {
	cout := w.Shape[0]
	if len(gamma) != cout || len(beta) != cout || len(mean) != cout || len(variance) != cout {
		panic(errShape)
	}
	wf := w.Clone()
	bias := make([]float32, cout)
	per := len(w.Data) / cout
	for c := range cout {
		a := float64(gamma[c]) / math.Sqrt(float64(variance[c])+BNEpsilon)
		row := wf.Data[c*per : (c+1)*per]
		for i := range row {
			row[i] = float32(a * float64(row[i]))
		}
		bias[c] = float32(float64(beta[c]) - a*float64(mean[c]))
	}
	return wf, bias
}
