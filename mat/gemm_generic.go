package mat

// This file holds the pure-Go micro-kernels. It has no build tag, so it is
// compiled everywhere: gemmGeneric is the kernel of -tags purego builds and
// of CPUs without SIMD kernels, and gemmTileGeneric is the definition every
// assembly kernel is tested against.

// gemmTileGeneric is the micro-kernel contract, written as the plain loop
// (see kernel): with A packed in MR-row panels and B in NR-column panels,
//
//	for i < mr, j < nr:
//		acc := Σ_{p<kc} a[i·rsa+p·csa] · b[p·ldb+j]
//		if beta == 0 { c[i·ldc+j] = alpha·acc } else { c[i·ldc+j] = alpha·acc + beta·c[i·ldc+j] }
//
// for mr ≤ MR and nr ≤ NR; a packed A panel has rsa = 1, csa = MR and a
// packed B panel ldb = NR. It is the twin of every assembly kernel.
func gemmTileGeneric(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	for i := range mr {
		for j := range nr {
			var acc float32
			for p := range kc {
				acc += a[i*rsa+p*csa] * b[p*ldb+j]
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * acc
			} else {
				c[i*ldc+j] = alpha*acc + beta*c[i*ldc+j]
			}
		}
	}
}

// gemmGeneric is gemmTileGeneric with MR = NR = 4, unrolled so that the
// compiler keeps the sixteen accumulators in registers. It accepts partial
// tiles (mr, nr < 4) and reads B only where j < nr.
func gemmGeneric(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	if nr < 4 {
		gemmTileGeneric(mr, nr, kc, a, rsa, csa, b, ldb, c, ldc, alpha, beta)
		return
	}
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	for p := range kc {
		ap := a[p*csa:]
		a0, a1, a2, a3 := ap[0], ap[rsa], ap[2*rsa], ap[3*rsa]
		bp := b[p*ldb : p*ldb+4 : p*ldb+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	acc := [4][4]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	}
	for i := range mr {
		row := c[i*ldc : i*ldc+nr]
		if beta == 0 {
			for j := range row {
				row[j] = alpha * acc[i][j]
			}
		} else {
			for j := range row {
				row[j] = alpha*acc[i][j] + beta*row[j]
			}
		}
	}
}

// genericKernel is the table entry of gemmGeneric, shared by every
// architecture's table as its last resort.
var genericKernel = kernel{
	name: "Generic", available: true, partial: true,
	mr: 4, nr: 4,
	kc: 256, nc: 512, packAT: 1024,
	fn: gemmGeneric,
}
