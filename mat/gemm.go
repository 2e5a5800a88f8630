package mat

import (
	"fmt"
	"runtime"

	"darkgo/internal/handoff"
)

// Transpose selects op(X) = X or op(X) = Xᵀ in Sgemm.
type Transpose bool

const (
	NoTrans Transpose = false // op(X) = X
	Trans   Transpose = true  // op(X) = Xᵀ
)

// kernel is one GEMM micro-kernel with the blocking sizes measured for it.
//
// The micro-kernel multiplies MR rows of A (element (i, p) at a[i·rsa +
// p·csa]: rsa = 1, csa = MR for a packed panel, rsa = lda, csa = 1 for a
// row-major A read in place) by kc rows of B (ldb apart: NR for a packed
// panel) and merges the first mr rows and nr columns of the product into C
// (gemmTileGeneric is the definition):
//
//	for i < mr, j < nr:
//		acc := Σ_{p<kc} a[i·rsa+p·csa] · b[p·ldb+j]
//		if beta == 0 { c[i·ldc+j] = alpha·acc } else { c[i·ldc+j] = alpha·acc + beta·c[i·ldc+j] }
//
// With beta == 0, C is never read, so NaNs already in C do not leak through.
// Kernels read all MR rows of A, so A is read in place only for full panels.
// A kernel without partial support is only called with mr = MR, nr = NR;
// the driver computes edge tiles aside and merges them itself.
type kernel struct {
	name      string
	available bool // the CPU has every feature the kernel uses
	partial   bool // fn accepts mr < MR and nr < NR, and reads B only where j < nr
	mr, nr    int  // register tile of C: MR, NR
	kc        int  // largest depth of a block
	nc        int  // columns of packed B per block (kept in L2)
	packAT    int  // least columns of a band for which op(A) = Aᵀ is packed (see run)
	fn        func(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
	// stream, if not nil, is fn for a C that is written once and not read
	// again soon (see SgemmStream): with beta = 0 it may store C past the
	// caches, and fence must then run before another goroutine reads C.
	stream func(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
	fence  func()
}

// KernelNames lists the micro-kernels this CPU can run, fastest first. The
// first is the one NewGemm picks.
func KernelNames() []string {
	var names []string
	for _, k := range gemmKernels {
		if k.available {
			names = append(names, k.name)
		}
	}
	return names
}

func findKernel(name string) (*kernel, error) {
	for i := range gemmKernels {
		k := &gemmKernels[i]
		if k.name == name || name == "" {
			if !k.available {
				if name == "" {
					continue
				}
				return nil, fmt.Errorf("mat: CPU lacks the features of GEMM kernel %s", name)
			}
			return k, nil
		}
	}
	return nil, fmt.Errorf("mat: no GEMM kernel named %q (have %v)", name, KernelNames())
}

// Gemm computes matrix products with one micro-kernel and a fixed number of
// workers. It owns the packing buffers, so steady-state calls allocate
// nothing. A Gemm is not safe for concurrent use: give each goroutine its own.
type Gemm struct {
	k       *kernel
	workers []*gemmWorker // workers[0] runs on the calling goroutine
	ct      []float32     // Cᵀ of a swapped product (see swapNT)
	cd      []float32     // the partial products of a depth split (see depthPieces)
}

// gemmWorker holds one worker's packing buffers and its share of a call.
type gemmWorker struct {
	ap, bp, tile    []float32 // packed A (the band, or its partial panel), packed B block, one C tile for edges
	job             gemmJob
	handoff.Handoff // hand-over to and from a helper goroutine
}

// gemmJob is C[m×n] = alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n.
type gemmJob struct {
	tA, tB      Transpose
	m, n, k     int
	alpha, beta float32
	a, b, c     []float32
	lda, ldb    int
	ldc         int
	direct      bool // op(B) is read in place rather than packed (see directMaxM)
	stream      bool // C is written once and not read again soon (see SgemmStream)
}

// NewGemm returns a Gemm using the fastest kernel of this CPU and the given
// number of workers; workers ≤ 0 means runtime.GOMAXPROCS(0).
func NewGemm(workers int) *Gemm {
	g, err := NewGemmKernel("", workers)
	if err != nil {
		panic(err) // unreachable: the generic kernel is always available
	}
	return g
}

// NewGemmKernel is NewGemm with a named kernel (one of KernelNames), for
// tests and benchmarks that compare kernels.
func NewGemmKernel(name string, workers int) (*Gemm, error) {
	k, err := findKernel(name)
	if err != nil {
		return nil, err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g := &Gemm{k: k, workers: make([]*gemmWorker, workers)}
	for i := range g.workers {
		w := &gemmWorker{
			ap:   make([]float32, k.mr*k.kc),
			bp:   make([]float32, (k.nc+k.nr-1)/k.nr*panelStride(k.kc, k.nr)),
			tile: make([]float32, k.mr*k.nr),
		}
		g.workers[i] = w
		if i > 0 {
			w.Init()
			go w.loop(k)
		}
	}
	// The helper goroutines see only their worker, never g, so g can be
	// collected; its cleanup then ends them.
	runtime.AddCleanup(g, func(ws []*gemmWorker) {
		for _, w := range ws[1:] {
			w.Close()
		}
	}, g.workers)
	return g, nil
}

func (w *gemmWorker) loop(k *kernel) {
	for w.Next() {
		w.run(k)
		w.Finish()
	}
}

// Kernel names the micro-kernel in use.
func (g *Gemm) Kernel() string { return g.k.name }

// Workers is the number of workers.
func (g *Gemm) Workers() int { return len(g.workers) }

// Sgemm computes
//
//	C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C
//
// on row-major matrices with leading dimensions (row strides) lda, ldb, ldc,
// so sub-matrices are used in place: element (i, j) of X is x[i·ldx + j].
// op(A) = A is stored m×k (lda ≥ k), op(A) = Aᵀ is stored k×m (lda ≥ m);
// likewise for B. With beta == 0, C is not read.
//
// The result does not depend on the number of workers: every element of C is
// computed by one worker, with the same sequence of operations.
func (g *Gemm) Sgemm(tA, tB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	g.sgemm(false, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmStream is Sgemm for a C that is written once and not read again
// soon, such as a convolution's output on its way to the next layer. Where
// a tile of C is written whole in one pass (beta = 0 and k within one depth
// block), a kernel that can (AVX-512) stores it past the caches, so that
// the lines of C are not read in first only to be overwritten. On products
// bound by writing C (BenchmarkSgemmStream, medians of 3): 32×173056×27,
// the first layer of YOLOv3, +26 % on one worker and +25 % on two;
// 32×43264×64 +8 % and +7 %. The bits are those of Sgemm.
func (g *Gemm) SgemmStream(tA, tB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	g.sgemm(true, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func (g *Gemm) sgemm(stream bool, tA, tB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if g.swapNT(tA, tB, m, n, k) {
		// Cᵀ[n×m] = alpha·B·Aᵀ: now A is the operand that gets packed.
		if cap(g.ct) < m*n {
			g.ct = make([]float32, m*n)
		}
		ct := g.ct[:m*n]
		g.Sgemm(NoTrans, Trans, n, m, k, alpha, b, ldb, a, lda, 0, ct, m)
		addTransposed(m, n, ct, beta, c, ldc)
		return
	}
	job := gemmJob{tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta, a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc, stream: stream}
	job.direct = g.k.partial && tB == NoTrans && m <= directMaxM
	if p := depthPieces(m, n, k); p > 1 {
		g.depthSplit(&job, p)
		return
	}
	parts := g.split(&job)
	for _, w := range g.workers[1:parts] {
		w.Post()
	}
	g.workers[0].run(g.k)
	for _, w := range g.workers[1:parts] {
		w.Wait()
	}
}

// swapNT reports whether the product C = A·Bᵀ (both stored with k along
// their rows) is better computed as Cᵀ = B·Aᵀ. The kernel reads op(A) in
// place and packs op(B) = Bᵀ with a transposing copy, once per worker, and
// each packed element serves the m/MR row panels of A. A weight gradient
// (dW[Cout, Cin·k²] = dY·colᵀ, the depth the pixel count) packs a B with
// up to 4.5× more rows than A for a few panels: swapped, it packs the
// smaller operand, unless m would end in a narrow column tile (m = 64 is
// 48 + 16 on the AVX-512 kernel): the kernel then broadcasts each value of
// A for 8 FMAs instead of 24, which costs more than a pack of B that stays
// in cache. The choice depends on the shape alone, so the result stays the
// same for any worker count.
//
// At a depth of swapDeep or more, the product swaps whatever its tiles:
// there B's rows come from memory, and the transposing pack of the larger
// operand costs more than a narrow tile.
//
// Measured (BenchmarkSgemm, AVX-512, 1 and 2 workers): dW products
// 32×64×43264 gain 15–50 %, 128×576×10816 7–11 %. 64×288×43264 lost
// 6–11 % until the kernel skipped the empty columns of a narrow tile; it
// now gains 10 % (4 rounds), while the convolution's dW on a col tile
// (64×288×1024, B in L2) still loses 3–5 %.
func (g *Gemm) swapNT(tA, tB Transpose, m, n, k int) bool {
	nr := g.k.nr
	fits := m%nr == 0 || 2*(m%nr) >= nr || k >= swapDeep
	return tA == NoTrans && tB == Trans && m < n && m <= maxSwapM && fits
}

// maxSwapM is the largest m swapNT swaps: with more row panels, packing B
// is shared among enough of them to cost little.
const maxSwapM = 128

// swapDeep is the depth from which swapNT swaps a product that ends in a
// narrow tile. At 416×416 it takes in the 1×1 dW of 128→64 at 104
// (64×128×10816, swapped 128×64: it packs 64 rows of dY instead of 128 of
// x): the conv backward cells gain 4.6 % at batch 1 and 8.7 % at batch 4
// (BenchmarkConv2D, medians of 5 alternating rounds), the product alone on
// one worker 3–5 %. The other dW products at 416×416 are shallower (a col
// tile of about a thousand pixels) or swap anyway (64→32 at 208).
const swapDeep = 1 << 13

// addTransposed sets C[m×n] = Ctᵀ + beta·C, with ct [n×m] row-major; with
// beta == 0, C is not read.
func addTransposed(m, n int, ct []float32, beta float32, c []float32, ldc int) {
	for i := range m {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			for j := range ci {
				ci[j] = ct[j*m+i]
			}
			continue
		}
		for j := range ci {
			ci[j] = ct[j*m+i] + beta*ci[j]
		}
	}
}

// directMaxM is the largest number of rows of C for which op(B) = B is read
// in place rather than packed. Packing copies each element of B once and
// pays off when many A panels reuse the packed block; reading in place wins
// below this (measured on Darknet-53 convolutions: 15–30 % faster at
// Cout = 64…512, 7 % slower at 1024).
const directMaxM = 512

// packReuse is the number of MR-row panels per worker below which packing
// op(B) once per worker (a split by rows) costs more than splitting the
// columns of C unevenly. Measured on two workers (BenchmarkSgemm, medians
// of 3 alternating rounds): at 16 panels per worker, NT 256×1152×2704 (a
// dW product) gains 6–9 % from a column split; at 32, NT 512×2304×676 is
// level either way.
const packReuse = 24

// minWorkPerWorker is the number of multiply-adds below which adding a
// worker costs more in hand-over than it saves.
const minWorkPerWorker = 1 << 18

// split hands each worker a band of C: whole register tiles of rows or of
// columns, whichever divides more evenly among the workers (the longer side
// on a tie). Band edges fall on tile boundaries, so which elements land in
// partial edge tiles does not depend on the worker count; that keeps results
// bit-identical. It returns the number of workers used.
func (g *Gemm) split(job *gemmJob) int {
	k := g.k
	mt, nt := (job.m+k.mr-1)/k.mr, (job.n+k.nr-1)/k.nr
	want := min(len(g.workers), max(1, job.m*job.n*job.k/minWorkPerWorker))
	// balance is the fraction of the slowest worker's time that the others
	// spend working too: tiles / (parts · ⌈tiles/parts⌉).
	balance := func(tiles int) float64 {
		parts := min(want, tiles)
		return float64(tiles) / float64(parts*((tiles+parts-1)/parts))
	}
	byRows := balance(mt) > balance(nt) || balance(mt) == balance(nt) && mt >= nt
	// A worker given a band of rows packs all of op(B); one given a band of
	// columns packs only its share. When op(B) is packed and few row panels
	// reuse each packed element (a thin weight gradient: C is Cout × Cin·k·k,
	// the depth is the pixel count), that duplicated packing costs as much as
	// the multiply; split by columns unless that leaves workers idle.
	// (Balance by elements here: a band of one partial tile is light.)
	spread := func(tiles, tile, size int) float64 {
		widest := min(size, (tiles+want-1)/want*tile)
		return float64(size) / float64(want*widest)
	}
	if byRows && !job.direct && mt < packReuse*want && spread(nt, k.nr, job.n) >= spread(mt, k.mr, job.m) {
		byRows = false
	}
	tiles := nt
	if byRows {
		tiles = mt
	}
	parts := min(want, tiles)
	for i := range parts {
		lo, hi := tiles*i/parts, tiles*(i+1)/parts
		w := *job // this worker's band
		if byRows {
			r0, r1 := lo*k.mr, min(hi*k.mr, job.m)
			w.m = r1 - r0
			w.c = job.c[r0*job.ldc:]
			if job.tA == NoTrans {
				w.a = job.a[r0*job.lda:]
			} else {
				w.a = job.a[r0:]
			}
		} else {
			c0, c1 := lo*k.nr, min(hi*k.nr, job.n)
			w.n = c1 - c0
			w.c = job.c[c0:]
			if job.tB == NoTrans {
				w.b = job.b[c0:]
			} else {
				w.b = job.b[c0*job.ldb:]
			}
		}
		g.workers[i].job = w
	}
	return parts
}

// run computes the worker's band with the Goto/BLIS loop nest:
//
//	for each column block jc (nc wide) and depth block pc (kc deep):
//		pack op(B)[pc, jc] into bp: NR-column panels, kept in L2
//		(or read op(B) in place, see directMaxM)
//		for each MR-row panel of op(A) (read in place; stays in L1):
//			for each B panel: C tile += A panel · B panel
//
// op(A) = Aᵀ read in place has the MR values of a step a row of A apart
// (lda floats, a power of two for a 1×1 convolution's dX), so a panel's
// rows crowd into few L1 sets and come again from L2 for every B panel.
// When the band has at least k.packAT columns to share the cost, op(A) = Aᵀ
// is packed instead, the whole band once per depth block, and the two outer
// loops swap: each depth block of A is packed once and serves every column
// block.
func (w *gemmWorker) run(k *kernel) {
	j := &w.job
	// Depth blocks of equal size, at most k.kc deep: with kc = 256, k = 288
	// is two blocks of 144, not 256 + 32. The size depends on k alone,
	// never on the band.
	kcEq := (j.k + (j.k+k.kc-1)/k.kc - 1) / ((j.k + k.kc - 1) / k.kc)
	// Column blocks likewise: equal widths of whole NR panels, at most about
	// k.nc, so that no block is a thin remainder.
	blocks := (j.n + k.nc - 1) / k.nc
	ncEq := ((j.n+blocks-1)/blocks + k.nr - 1) / k.nr * k.nr
	packedA := j.tA == Trans && j.n >= k.packAT
	step := func(jc, pc int) {
		nc, kc := min(ncEq, j.n-jc), min(kcEq, j.k-pc)
		if packedA && jc == 0 {
			need := (j.m + k.mr - 1) / k.mr * panelStride(kc, k.mr)
			if len(w.ap) < need {
				w.ap = make([]float32, need)
			}
			packA(w.ap, j.tA, j.a, j.lda, 0, pc, j.m, kc, k.mr)
		}
		// A kernel that handles partial tiles can read a row-major op(B)
		// in place: its rows are already contiguous runs of columns. That
		// saves the copy when few A panels share the B block.
		if !j.direct {
			packB(w.bp, j.tB, j.b, j.ldb, pc, jc, kc, nc, k.nr)
		}
		beta := j.beta
		if pc > 0 {
			beta = 1 // later depth blocks accumulate onto the first
		}
		w.block(k, jc, pc, nc, kc, beta, j.direct, packedA)
	}
	if packedA { // depth outer: each packed A block serves every column block
		for pc := 0; pc < j.k; pc += kcEq {
			for jc := 0; jc < j.n; jc += ncEq {
				step(jc, pc)
			}
		}
	} else { // columns outer: C's column block stays in cache across its depth blocks
		for jc := 0; jc < j.n; jc += ncEq {
			for pc := 0; pc < j.k; pc += kcEq {
				step(jc, pc)
			}
		}
	}
	if j.stream && k.fence != nil {
		k.fence() // C's non-temporal stores land before the hand-over back
	}
}

// block multiplies op(A)[:, pc:pc+kc] (all packed in ap when packedA; else
// full MR-row panels read in place and the last partial panel packed) by
// the kc×nc B block (packed, or op(B)[pc:pc+kc, jc:jc+nc] in place when
// direct) into C[:, jc:jc+nc].
func (w *gemmWorker) block(k *kernel, jc, pc, nc, kc int, beta float32, direct, packedA bool) {
	j := &w.job
	fn := k.fn
	if j.stream && beta == 0 && kc == j.k && k.stream != nil {
		fn = k.stream // C's tiles are written whole, once
	}
	if last := j.m / k.mr * k.mr; !packedA && last < j.m { // pack the partial panel, zero-padded
		packA(w.ap, j.tA, j.a, j.lda, last, pc, j.m-last, kc, k.mr)
	}
	tile := func(ir, jr int) {
		mr, nr := min(k.mr, j.m-ir), min(k.nr, nc-jr)
		// A full panel is read in place unless packedA; the partial one is
		// always packed.
		ap, rsa, csa := w.ap[:k.mr*kc], 1, k.mr
		switch {
		case packedA:
			o := ir / k.mr * panelStride(kc, k.mr)
			ap = w.ap[o : o+k.mr*kc]
		case mr == k.mr && j.tA == NoTrans:
			ap, rsa, csa = j.a[ir*j.lda+pc:], j.lda, 1
		case mr == k.mr:
			ap, rsa, csa = j.a[pc*j.lda+ir:], 1, j.lda
		}
		o := jr / k.nr * panelStride(kc, k.nr)
		bp, ldb := w.bp[o:o+k.nr*kc], k.nr
		if direct {
			bp, ldb = j.b[pc*j.ldb+jc+jr:], j.ldb
		}
		off := ir*j.ldc + jc + jr
		if k.partial || mr == k.mr && nr == k.nr {
			fn(mr, nr, kc, ap, rsa, csa, bp, ldb, j.c[off:], j.ldc, j.alpha, beta)
			return
		}
		// Partial tile: compute the whole tile aside, merge the valid part.
		k.fn(k.mr, k.nr, kc, ap, rsa, csa, bp, ldb, w.tile, k.nr, 1, 0)
		for i := range mr {
			ci := j.c[off+i*j.ldc : off+i*j.ldc+nr]
			ti := w.tile[i*k.nr : i*k.nr+nr]
			if beta == 0 {
				for x := range ci {
					ci[x] = j.alpha * ti[x]
				}
			} else {
				for x := range ci {
					ci[x] = j.alpha*ti[x] + beta*ci[x]
				}
			}
		}
	}
	for ir := 0; ir < j.m; ir += k.mr {
		for jr := 0; jr < nc; jr += k.nr {
			tile(ir, jr)
		}
	}
}

// panelStride is the distance, in floats, from one packed panel (kc steps
// of w values) to the next: kc·w and one cache line more. Without the extra
// line, kc·w·4 bytes is a multiple of 4 KB for the usual depths (8 × 256 × 4
// = 8 KB), so copyPanels, which writes step p of every panel in turn, would
// hit the same L1 set for all of them and evict its own lines
// (BenchmarkCopyRuns, the Aᵀ of TN 1024³ into 8-row panels: 4.5 GB/s back
// to back, 41 GB/s this way).
func panelStride(kc, w int) int { return kc*w + 16 }

// packA copies op(A)[i0:i0+mc, p0:p0+kc] into ap as MR-row panels: panel r
// holds ap[r·ps + p·MR + i] = op(A)[i0 + r·MR + i, p0 + p], zero-padded
// past row mc, with ps = panelStride(kc, MR).
func packA(ap []float32, t Transpose, a []float32, lda, i0, p0, mc, kc, mr int) {
	ps := panelStride(kc, mr)
	if t == Trans {
		// op(A)[i, p] = a[p·lda + i]: row p of the stored matrix holds every
		// panel's step p; walk it once, left to right.
		copyPanels(ap, ps, a[p0*lda+i0:], lda, kc, mc, mr)
		return
	}
	for r := 0; r < mc; r += mr {
		// op(A)[i, p] = a[i·lda + p]: each panel is a transposing copy.
		o := r / mr * ps
		transposePanel(ap[o:o+mr*kc], mr, a[(i0+r)*lda+p0:], lda, min(mr, mc-r), kc)
	}
}

// packB copies op(B)[p0:p0+kc, j0:j0+nc] into bp as NR-column panels: panel
// s holds bp[s·ps + p·NR + j] = op(B)[p0 + p, j0 + s·NR + j], zero-padded
// past column nc, with ps = panelStride(kc, NR).
func packB(bp []float32, t Transpose, b []float32, ldb, p0, j0, kc, nc, nr int) {
	ps := panelStride(kc, nr)
	if t == NoTrans {
		// op(B)[p, j] = b[p·ldb + j]: row p is every panel's step p.
		copyPanels(bp, ps, b[p0*ldb+j0:], ldb, kc, nc, nr)
		return
	}
	for s := 0; s < nc; s += nr {
		// op(B)[p, j] = b[j·ldb + p]: a transposing copy, in 8×8 blocks.
		o := s / nr * ps
		transposePanel(bp[o:o+nr*kc], nr, b[(j0+s)*ldb+p0:], ldb, min(nr, nc-s), kc)
	}
}

// copyPanels packs rows×width values of src (row stride ld) into panels of w
// columns, ps floats apart: dst[s·ps + p·w + j] = src[p·ld + s·w + j], zero
// past width. The full panels go through pack.copyRuns when w is a multiple
// of 8 (its runs are whole 8-float vectors), the last partial one here.
func copyPanels(dst []float32, ps int, src []float32, ld, rows, width, w int) {
	runs := width / w
	if runs > 0 && rows > 0 {
		// The kernel does not check bounds: the last element each side.
		_, _ = dst[(runs-1)*ps+rows*w-1], src[(rows-1)*ld+runs*w-1]
		if w%8 == 0 {
			pack.copyRuns(dst, ps, src, ld, rows, runs, w)
		} else {
			copyRunsGeneric(dst, ps, src, ld, rows, runs, w)
		}
	}
	if full := runs * w; full < width {
		for p := range rows {
			d := dst[runs*ps+p*w : runs*ps+p*w+w]
			copy(d, src[p*ld+full:p*ld+width])
			clear(d[width-full:])
		}
	}
}

// scaleC sets C = beta·C (C = 0 when beta == 0, without reading C).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// Panic messages for misuse of Sgemm: programming errors, not data errors.
const (
	errNegativeDim = "mat: Sgemm: negative dimension"
	errBadLd       = "mat: Sgemm: leading dimension smaller than the row"
	errShortA      = "mat: Sgemm: A is too short"
	errShortB      = "mat: Sgemm: B is too short"
	errShortC      = "mat: Sgemm: C is too short"
)

func checkGemm(tA, tB Transpose, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(errNegativeDim)
	}
	ar, ac := m, k // stored shape of A
	if tA == Trans {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB == Trans {
		br, bc = n, k
	}
	if lda < max(1, ac) || ldb < max(1, bc) || ldc < max(1, n) {
		panic(errBadLd)
	}
	if m == 0 || n == 0 {
		return
	}
	if k > 0 && len(a) < (ar-1)*lda+ac {
		panic(errShortA)
	}
	if k > 0 && len(b) < (br-1)*ldb+bc {
		panic(errShortB)
	}
	if len(c) < (m-1)*ldc+n {
		panic(errShortC)
	}
}
