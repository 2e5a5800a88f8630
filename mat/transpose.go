package mat

// transpose8Generic is the definition of the block transpose used by the
// transposing pack:
//
//	for i, j < 8: dst[i·ldd + j] = src[j·lds + i]
func transpose8Generic(dst []float32, ldd int, src []float32, lds int) {
	for j := range 8 {
		row := src[j*lds : j*lds+8]
		for i, v := range row {
			dst[i*ldd+j] = v
		}
	}
}

// transposeKernel is one implementation of the 8×8 block transpose.
type transposeKernel struct {
	name      string
	available bool
	fn        func(dst []float32, ldd int, src []float32, lds int)
}

var genericTranspose = transposeKernel{name: "Generic", available: true, fn: transpose8Generic}

// transpose8 is the best available block transpose, chosen once at start-up.
var transpose8 = func() func(dst []float32, ldd int, src []float32, lds int) {
	for _, k := range transposeKernels {
		if k.available {
			return k.fn
		}
	}
	return transpose8Generic
}()

// transposePanel packs op(B) = Bᵀ into one NR-wide panel:
//
//	dst[p·nr + j] = b[j·ldb + p]   for j < cols, p < kc;   0 for cols ≤ j < nr
//
// in 8×8 blocks (transpose8) where both sides have eight, element by element
// at the edges.
func transposePanel(dst []float32, nr int, b []float32, ldb, cols, kc int) {
	c8, k8 := cols&^7, kc&^7
	for j := 0; j < c8; j += 8 {
		for p := 0; p < k8; p += 8 {
			transpose8(dst[p*nr+j:], nr, b[j*ldb+p:], ldb)
		}
	}
	for p := range kc {
		d := dst[p*nr : p*nr+nr]
		from := c8 // the blocks filled columns [0, c8) of rows p < k8
		if p >= k8 {
			from = 0
		}
		for j := from; j < cols; j++ {
			d[j] = b[j*ldb+p]
		}
		clear(d[cols:])
	}
}
