package mat

// A product with a small C and a long depth (a 1×1 convolution's weight
// gradient: dW[Cout, Cin] = dY[Cout, HW] · X[Cin, HW]ᵀ, the depth the pixel
// count) has too few tiles of C to share among the workers without each
// of them packing, or reading, the whole of one operand. It is cut along
// the depth instead, into pieces fixed by the shape alone:
//
//	C = beta·C + (P₀ + P₁ + … + P_{p−1}),  Pᵢ = alpha · op(A)[:, Kᵢ] · op(B)[Kᵢ, :]
//
// Each piece is computed whole by one worker into its own m×n buffer, and
// the pieces are added in order, so the result does not depend on which
// worker computed which piece, nor on how many workers there are.

// Depth-split limits: C of at most maxDepthSplitC elements (64 × 64), at
// least minDepthPiece deep per piece, at most maxDepthPieces pieces (two
// per worker on two cores, so that a piece is one worker's share on up to
// four). Measured on two workers (NT, AVX-512, 3 alternating rounds):
// 32×27×9728 +36 %, 32×64×43264 +26 %, but 64×128×10816 −10 %: with a
// larger C the split of C among the workers shares the work well enough.
const (
	maxDepthSplitC = 1 << 12
	minDepthPiece  = 1 << 11
	maxDepthPieces = 4
)

// depthPieces returns the number of depth pieces for an m×n×k product: 1
// (no split) unless C is small and k long.
func depthPieces(m, n, k int) int {
	if m*n > maxDepthSplitC {
		return 1
	}
	return max(1, min(maxDepthPieces, k/minDepthPiece))
}

// depthSplit computes job as p depth pieces (see above), up to one piece
// per worker at a time.
func (g *Gemm) depthSplit(job *gemmJob, p int) {
	m, n, k := job.m, job.n, job.k
	if cap(g.cd) < p*m*n {
		g.cd = make([]float32, p*m*n)
	}
	parts := g.cd[:p*m*n]
	for i0 := 0; i0 < p; i0 += len(g.workers) {
		busy := min(len(g.workers), p-i0)
		for w := range busy {
			i := i0 + w
			k0, k1 := k*i/p, k*(i+1)/p
			piece := *job // Pᵢ[m×n] = alpha · op(A)[:, k0:k1] · op(B)[k0:k1, :]
			piece.k, piece.beta, piece.stream = k1-k0, 0, false
			piece.c, piece.ldc = parts[i*m*n:(i+1)*m*n], n
			if job.tA == NoTrans {
				piece.a = job.a[k0:]
			} else {
				piece.a = job.a[k0*job.lda:]
			}
			if job.tB == NoTrans {
				piece.b = job.b[k0*job.ldb:]
			} else {
				piece.b = job.b[k0:]
			}
			g.workers[w].job = piece
		}
		for _, w := range g.workers[1:busy] {
			w.Post()
		}
		g.workers[0].run(g.k)
		for _, w := range g.workers[1:busy] {
			w.Wait()
		}
	}
	// C = (P₀ + P₁ + …) + beta·C, row by row.
	for i := range m {
		ci := job.c[i*job.ldc : i*job.ldc+n]
		sum := parts[i*n : (i+1)*n]
		for j := range ci {
			s := sum[j]
			for q := 1; q < p; q++ {
				s += parts[q*m*n+i*n+j]
			}
			if job.beta != 0 {
				s += job.beta * ci[j]
			}
			ci[j] = s
		}
	}
}
