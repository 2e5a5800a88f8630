package mat

// transposeBlocksGeneric is the definition of the blocked transpose used by
// the transposing pack, for cols and kc multiples of 8:
//
//	dst[p·ldd + j] = src[j·lds + p]   for j < cols, p < kc
//
// It goes in 8×8 blocks, eight rows of src at a time, so that both sides
// are read and written in runs of eight.
func transposeBlocksGeneric(dst []float32, ldd int, src []float32, lds, cols, kc int) {
	for j := 0; j < cols; j += 8 {
		for p := 0; p < kc; p += 8 {
			for jj := range 8 {
				row := src[(j+jj)*lds+p : (j+jj)*lds+p+8]
				for i, v := range row {
					dst[(p+i)*ldd+j+jj] = v
				}
			}
		}
	}
}

// copyRunsGeneric is the definition of the panel copy used by copyPanels:
// rows × runs runs of w floats, run s of row p to panel s,
//
//	dst[s·ps + p·w + j] = src[p·ld + s·w + j]   for p < rows, s < runs, j < w
//
// Each source row is read once, left to right.
func copyRunsGeneric(dst []float32, ps int, src []float32, ld, rows, runs, w int) {
	for p := range rows {
		row := src[p*ld : p*ld+runs*w]
		o := p * w
		for s := 0; s < len(row); s += w {
			copy(dst[o:o+w], row[s:s+w])
			o += ps
		}
	}
}

// packKernel is one implementation of the two packing copies: the blocked
// transpose and the panel copy (w a multiple of 8 for the latter).
type packKernel struct {
	name      string
	available bool
	transpose func(dst []float32, ldd int, src []float32, lds, cols, kc int)
	copyRuns  func(dst []float32, ps int, src []float32, ld, rows, runs, w int)
}

var genericPack = packKernel{name: "Generic", available: true, transpose: transposeBlocksGeneric, copyRuns: copyRunsGeneric}

// pack is the best available packKernel, chosen once at start-up.
var pack = func() packKernel {
	for _, k := range packKernels {
		if k.available {
			return k
		}
	}
	return genericPack
}()

// transposePanel packs op(B) = Bᵀ into one NR-wide panel:
//
//	dst[p·nr + j] = b[j·ldb + p]   for j < cols, p < kc;   0 for cols ≤ j < nr
//
// in 8×8 blocks (pack.transpose) where both sides have eight, element by
// element at the edges.
func transposePanel(dst []float32, nr int, b []float32, ldb, cols, kc int) {
	c8, k8 := cols&^7, kc&^7
	if c8 > 0 && k8 > 0 {
		// The kernel does not check bounds: the last element each side.
		_, _ = dst[(k8-1)*nr+c8-1], b[(c8-1)*ldb+k8-1]
		pack.transpose(dst, nr, b, ldb, c8, k8)
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
