package conv

import (
	"runtime"

	"darkgo/internal/handoff"
	"darkgo/mat"
)

// Workspace owns the scratch memory and the threads of the convolutions: a
// GEMM using every worker, and a crew of workers each with a one-thread
// GEMM, an im2col tile buffer (grown to the largest tile seen: a few MB)
// and a partial dW. Steady-state calls allocate nothing. A Workspace is not
// safe for concurrent use; give each goroutine its own.
//
// A layer with enough independent pieces is shared out among the crew:
// the forward pass hands each worker whole (image, tile) pairs of the
// output, the backward pass whole images, or for batches under four,
// chunks of an image's col tiles (each unit's dW is computed on its own and
// the units are added in a fixed order at the end, so the result does not
// depend on the worker count; chunks of one image run in two phases so
// that no two running at once touch the same dX pixel). The workers then
// run im2col and GEMM side by side without meeting. A layer
// with too few pieces (one image of a small late layer) runs piece by piece
// on the all-worker GEMM, with im2col and col2im split by input channels
// (and the forward GEMM's rows among the crew, see rowsOnCrew).
type Workspace struct {
	gemm *mat.Gemm // all workers, for layers that do not split into pieces
	crew *crew
	v, m []float32 // Conv2DWinograd's transformed inputs and products
}

// winoBufs returns Conv2DWinograd's two block buffers, grown as needed.
func (ws *Workspace) winoBufs(nv, nm int) (v, m []float32) {
	if cap(ws.v) < nv {
		ws.v = make([]float32, nv)
	}
	if cap(ws.m) < nm {
		ws.m = make([]float32, nm)
	}
	return ws.v[:nv], ws.m[:nm]
}

// NewWorkspace returns a Workspace with the given number of workers
// (≤ 0 means runtime.GOMAXPROCS(0)).
func NewWorkspace(workers int) *Workspace {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	c := &crew{members: make([]*member, workers)}
	for i := range c.members {
		m := &member{gemm: mat.NewGemm(1)}
		c.members[i] = m
		if i > 0 {
			m.Init()
			go m.help()
		}
	}
	ws := &Workspace{gemm: mat.NewGemm(workers), crew: c}
	// The helpers see only the crew, never ws, so ws can be collected; its
	// cleanup then ends them.
	runtime.AddCleanup(ws, func(c *crew) {
		for _, m := range c.members[1:] {
			m.Close()
		}
	}, c)
	return ws
}

// Gemm returns the workspace's GEMM, for callers that need plain matrix
// products between convolutions.
func (ws *Workspace) Gemm() *mat.Gemm { return ws.gemm }

// crew is the workers of a Workspace; members[0] works on the calling
// goroutine, members[i] on a helper fed through its Handoff.
type crew struct {
	members []*member
	pdw     []float32 // per-unit dW of the current backward call [units, |W|]
}

// member is one worker's private scratch, and for a helper, the hand-over
// of its jobs.
type member struct {
	handoff.Handoff           // helpers only
	job             job       // a helper's current job
	gemm            *mat.Gemm // one thread
	col             []float32 // im2col tile [Cin·k·k, ≤ HW]
	row             []float32 // scratch rows: Winograd transforms, stride-2 parity planes
}

func (m *member) rowBuf(n int) []float32 {
	if cap(m.row) < n {
		m.row = make([]float32, n)
	}
	return m.row[:n]
}

func (m *member) colBuf(n int) []float32 {
	if cap(m.col) < n {
		m.col = make([]float32, n)
	}
	return m.col[:n]
}

// jobKind says which piece of work a job is.
type jobKind int

const (
	im2colJob   jobKind = iota // im2col of channels [c0, c1), pixels [p0, p1)
	col2imJob                  // col2im of channels [c0, c1), pixels [p0, p1)
	forwardJob                 // output (image, tile) pairs [i0, i1)
	backwardJob                // the gradients of units [i0, i1) (see Conv2DBackward)
	sumJob                     // dw += the per-image dW in dy, chunks [i0, i1)
	productJob                 // a 1×1 layer's backward products [i0, i1) of one image (0: dW, 1: dX)
	rowsJob                    // the forward GEMM's output rows [i0, i1) of one col tile
	winoInJob                  // Winograd input transform, channels [c0, c1)
	winoGemmJob                // Winograd products ξ in [c0, c1)
	winoOutJob                 // Winograd output transform, channels [c0, c1)
)

// job is one worker's share of a call. It travels by value, so handing it
// over allocates nothing.
type job struct {
	kind           jobKind
	g              geom
	col, x         []float32 // im2colJob, col2imJob (x is dX for col2im), rowsJob (col)
	ld             int       // rowsJob: col's row stride
	c0, c1, p0, p1 int
	y, w, dx, dw   []float32 // forwardJob, backwardJob
	dy             []float32
	i0, i1         int
	chunks, phase  int  // backwardJob: chunks per image and phase (sumJob: chunks = slots)
	addDW          bool // backwardJob: dw is the gradient itself, added into (one unit)
	epi            epilogue
}

// help runs a helper member's jobs until the crew is closed. Between jobs
// it watches for the next for a while before it blocks (see
// internal/handoff): a layer hands out jobs in a row (im2col, then the GEMM
// rows), and the crew's layers follow each other.
func (m *member) help() {
	for m.Next() {
		m.run(&m.job)
		m.Finish()
	}
}

// give hands job j to helper member i (1 ≤ i < len(members)).
func (c *crew) give(i int, j job) {
	m := c.members[i]
	m.job = j
	m.Post()
}

// wait returns when every helper has finished the jobs it was given.
func (c *crew) wait() {
	for _, m := range c.members[1:] {
		m.Wait()
	}
}

// run does a job with m's own scratch and one-thread GEMM.
func (m *member) run(j *job) {
	switch j.kind {
	case im2colJob:
		j.g.im2col(j.col, j.x, m.rowBuf(j.g.s2ScratchLen(j.p1-j.p0)), j.c0, j.c1, j.p0, j.p1)
	case col2imJob:
		j.g.col2im(j.x, j.col, m.rowBuf(j.g.s2ScratchLen(j.p1-j.p0)), j.c0, j.c1, j.p0, j.p1)
	case forwardJob:
		j.g.forwardTiles(nil, m, m.gemm, j.y, j.x, j.w, j.epi, j.i0, j.i1)
	case backwardJob:
		j.g.backwardUnits(nil, m, m.gemm, j, j.i0, j.i1)
	case sumJob:
		sumImages(j.dw, j.dy, j.chunks, j.i0, j.i1)
	case rowsJob:
		j.g.forwardRows(m.gemm, j, j.i0, j.i1)
	case productJob:
		for i := j.i0; i < j.i1; i++ {
			j.g.directProduct(m.gemm, j.dx, j.dw, j.dy, j.x, j.w, 1, i == 0)
		}
	case winoInJob:
		j.g.winoIn(j.col, j.x, m.rowBuf(8*((j.g.w+1)/2+1)), j.p0, j.p1, j.c0, j.c1)
	case winoGemmJob:
		j.g.winoGemm(m.gemm, j.y, j.w, j.x, j.p0, j.c0, j.c1)
	case winoOutJob:
		j.g.winoOut(j.y, j.col, m.rowBuf(4*(j.g.w+1)), j.p0, j.p1, j.c0, j.c1, j.epi)
	}
}

// parts is how many workers share n independent pieces: all of them when
// the pieces divide evenly or are plenty, else 1 (the caller then uses
// the all-worker GEMM piece by piece).
func (c *crew) parts(n int) int {
	p := len(c.members)
	if p > 1 && n >= p && (n%p == 0 || n >= 4*p) {
		return p
	}
	return 1
}

// spread runs job j over pieces [0, n), shared among the first p members,
// and waits for all of them.
func (c *crew) spread(j job, n, p int) {
	for i := 1; i < p; i++ {
		ji := j
		ji.i0, ji.i1 = n*i/p, n*(i+1)/p
		c.give(i, ji)
	}
	j.i0, j.i1 = 0, n/p
	c.members[0].run(&j)
	c.wait()
}

// imageDW returns the crew's buffer of per-image weight gradients, n floats
// (N·|W|), grown to the largest layer seen; its contents are overwritten.
func (c *crew) imageDW(n int) []float32 {
	if cap(c.pdw) < n {
		c.pdw = make([]float32, n)
	}
	return c.pdw[:n]
}

// minColWork is the number of col elements below which another worker
// costs more in hand-over than it saves.
const minColWork = 1 << 15

// share runs job j over [0, n) (channels), cut into contiguous ranges
// [c0, c1) among the crew when the whole job touches at least minColWork
// floats per worker; work is the floats per unit of n.
func (c *crew) share(j job, n, work int) {
	parts := min(len(c.members), n, max(1, n*work/minColWork))
	for i := 1; i < parts; i++ {
		ji := j
		ji.c0, ji.c1 = n*i/parts, n*(i+1)/parts
		c.give(i, ji)
	}
	j.c0, j.c1 = 0, n/parts
	c.members[0].run(&j)
	c.wait()
}

// split runs an im2col or col2im job over all its channels, shared among
// the crew by input channels: each worker's rows of col (and planes of dX)
// are its own.
func (c *crew) split(j job) {
	per := j.g.k * j.g.k * (j.p1 - j.p0) // col elements per channel
	parts := min(len(c.members), j.g.cin, max(1, j.g.cin*per/minColWork))
	for i := 1; i < parts; i++ {
		ji := j
		ji.c0, ji.c1 = j.g.cin*i/parts, j.g.cin*(i+1)/parts
		c.give(i, ji)
	}
	j.c0, j.c1 = 0, j.g.cin/parts
	c.members[0].run(&j)
	c.wait()
}
