package conv

import (
	"math"
	"math/rand/v2"
	"testing"
)

const sentinel = float32(-12345.5) // fills the guard bands around outputs

// vec returns n random values in [-2, 2) starting at offset off inside a
// slice with guard bands of sentinels on both sides; some values are exact
// zeros (the LeakyReLU kink).
func vec(r *rand.Rand, n, off int) (v, whole []float32) {
	whole = make([]float32, off+n+8)
	for i := range whole {
		whole[i] = sentinel
	}
	v = whole[off : off+n]
	for i := range v {
		v[i] = 4*r.Float32() - 2
		if r.IntN(8) == 0 {
			v[i] = 0
		}
	}
	return v, whole
}

func checkGuards(t *testing.T, name string, whole []float32, off, n int) {
	t.Helper()
	for i, v := range whole {
		if (i < off || i >= off+n) && v != sentinel {
			t.Fatalf("%s: n=%d off=%d: guard word %d overwritten with %g", name, n, off, i, v)
		}
	}
}

func same(a, b []float32) bool {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}

// u is the unit roundoff of float32.
var u = math.Ldexp(1, -24)

// TestKernels runs every kernel of every table entry against its Generic
// twin on every length 0..70 at offsets 0..3, with guard bands around the
// outputs, unchanged inputs, and the in-place (aliased) forms.
func TestKernels(t *testing.T) {
	for _, k := range kernelTable {
		t.Run(k.name, func(t *testing.T) {
			if !k.available {
				t.Skipf("CPU lacks %s", k.name)
			}
			r := rand.New(rand.NewPCG(1, 2))
			for n := 0; n <= 70; n++ {
				for off := range 4 {
					testKernelsOnce(t, k, r, n, off)
				}
			}
		})
	}
}

func testKernelsOnce(t *testing.T, k kernels, r *rand.Rand, n, off int) {
	a, b, c := 4*r.Float32()-2, 4*r.Float32()-2, 4*r.Float32()-2
	x, _ := vec(r, n, (off+1)%4)
	y, _ := vec(r, n, (off+2)%4)
	x0, y0 := append([]float32(nil), x...), append([]float32(nil), y...)

	// affine and affineLeaky: |got − want| ≤ 2u·(|a·x| + |b|) per element.
	for _, leaky := range []bool{false, true} {
		name, fn := "affine", k.affine
		if leaky {
			name, fn = "affineLeaky", k.affineLeaky
		}
		dst, whole := vec(r, n, off)
		fn(dst, x, a, b)
		checkGuards(t, name, whole, off, n)
		for i := range dst {
			want := float64(a)*float64(x[i]) + float64(b)
			bound := 2 * u * (math.Abs(float64(a)*float64(x[i])) + math.Abs(float64(b)))
			if leaky && want < 0 {
				want, bound = want*LeakySlope, bound*LeakySlope+u*math.Abs(want)
			}
			if d := math.Abs(float64(dst[i]) - want); !(d <= 2*bound) {
				t.Fatalf("%s %s n=%d off=%d: dst[%d] = %g, want %g", k.name, name, n, off, i, dst[i], want)
			}
		}
		inPlace := append([]float32(nil), x...)
		fn(inPlace, inPlace, a, b)
		if !same(inPlace, dst) {
			t.Fatalf("%s %s n=%d: in-place result differs", k.name, name, n)
		}
	}

	// leakyGrad and addTo are one rounding each, like the twins: exact.
	dst, whole := vec(r, n, off)
	k.leakyGrad(dst, x, y)
	checkGuards(t, "leakyGrad", whole, off, n)
	want := make([]float32, n)
	leakyGradGeneric(want, x, y)
	if !same(dst, want) {
		t.Fatalf("%s leakyGrad n=%d off=%d: %v, want %v", k.name, n, off, dst, want)
	}
	inPlace := append([]float32(nil), x...)
	k.leakyGrad(inPlace, inPlace, y)
	if !same(inPlace, want) {
		t.Fatalf("%s leakyGrad n=%d: in-place result differs", k.name, n)
	}

	dst, whole = vec(r, n, off)
	copy(want, dst)
	k.addTo(dst, x)
	checkGuards(t, "addTo", whole, off, n)
	addToGeneric(want, x)
	if !same(dst, want) {
		t.Fatalf("%s addTo n=%d off=%d: %v, want %v", k.name, n, off, dst, want)
	}

	// gather2 and scatterAdd2 on a source (destination) of exactly
	// 2n − 1 floats inside guard bands, so an overread or overwrite shows.
	// Extra floats past 2n − 1 let the vector blocks reach the last outputs.
	for _, extra := range []int{0, 1, 9} {
		if n == 0 {
			break
		}
		wide, wideWhole := vec(r, 2*n-1+extra, (off+3)%4)
		w0 := append([]float32(nil), wide...)
		dst, whole = vec(r, n, off)
		k.gather2(dst, wide)
		checkGuards(t, "gather2", whole, off, n)
		for i := range dst {
			if dst[i] != wide[2*i] {
				t.Fatalf("%s gather2 n=%d off=%d: dst[%d] = %g, want %g", k.name, n, off, i, dst[i], wide[2*i])
			}
		}
		k.scatterAdd2(wide, x)
		checkGuards(t, "scatterAdd2", wideWhole, (off+3)%4, 2*n-1+extra)
		for i := range wide {
			want := w0[i]
			if i%2 == 0 && i/2 < n {
				want += x[i/2]
			}
			if wide[i] != want {
				t.Fatalf("%s scatterAdd2 n=%d off=%d: dst[%d] = %g, want %g", k.name, n, off, i, wide[i], want)
			}
		}
	}
	k.gather2(nil, nil)
	k.scatterAdd2(nil, nil)

	// prefetch is a hint: it must leave every float, guards included, as
	// it was, and run on any slice (here one ending at its allocation).
	dst, whole = vec(r, n, off)
	w0 := append([]float32(nil), whole...)
	k.prefetch(dst)
	k.prefetch(dst[n:])
	k.prefetch(nil)
	if !same(whole, w0) {
		t.Fatalf("%s prefetch n=%d off=%d changed memory", k.name, n, off)
	}

	// bnGrad: three roundings at most.
	dst, whole = vec(r, n, off)
	d0 := append([]float32(nil), dst...)
	k.bnGrad(dst, x, y, a, b, c)
	checkGuards(t, "bnGrad", whole, off, n)
	for i := range dst {
		terms := []float64{float64(d0[i]), float64(a) * float64(x[i]), float64(b) * float64(y[i]), float64(c)}
		var w, m float64
		for _, v := range terms {
			w += v
			m += math.Abs(v)
		}
		if d := math.Abs(float64(dst[i]) - w); !(d <= 4*u*m) {
			t.Fatalf("%s bnGrad n=%d off=%d: dst[%d] = %g, want %g", k.name, n, off, i, dst[i], w)
		}
	}

	// bnGrad in place (dst is dy), as BatchNormBackwardInPlace calls it.
	inPlace = append(inPlace[:0], x...)
	k.bnGrad(inPlace, inPlace, y, a, b, c)
	for i := range inPlace {
		w := float64(x[i]) + float64(a)*float64(x[i]) + float64(b)*float64(y[i]) + float64(c)
		m := math.Abs(float64(x[i])) + math.Abs(float64(a)*float64(x[i])) + math.Abs(float64(b)*float64(y[i])) + math.Abs(float64(c))
		if d := math.Abs(float64(inPlace[i]) - w); !(d <= 4*u*m) {
			t.Fatalf("%s bnGrad in place n=%d: dst[%d] = %g, want %g", k.name, n, i, inPlace[i], w)
		}
	}

	// leakySums rewrites g and y exactly as the twin does, inside guard
	// bands, and its sums are reductions (bounded below).
	gk, gWhole := vec(r, n, off)
	yk, yWhole := vec(r, n, (off+1)%4)
	gw, yw := append([]float32(nil), gk...), append([]float32(nil), yk...)
	sg, sgp := k.leakySums(gk, yk, c)
	leakySumsGeneric(gw, yw, c)
	checkGuards(t, "leakySums g", gWhole, off, n)
	checkGuards(t, "leakySums y", yWhole, (off+1)%4, n)
	if !same(gk, gw) || !same(yk, yw) {
		t.Fatalf("%s leakySums n=%d off=%d: rewrote g, y to %v, %v; want %v, %v", k.name, n, off, gk, yk, gw, yw)
	}
	var wsg, msg, wsgp, msgp float64
	for i := range gw {
		wsg += float64(gw[i])
		msg += math.Abs(float64(gw[i]))
		e := float64(gw[i]) * (float64(yw[i]) - float64(c))
		wsgp += e
		msgp += math.Abs(e)
	}

	// Reductions: |got − want| ≤ γ_{n+2}·Σ|terms|.
	g := float64(n+2) * u / (1 - float64(n+2)*u)
	var s, sm, q, qm, p, pm float64
	for i := range x {
		s += float64(x[i])
		sm += math.Abs(float64(x[i]))
		dv := float64(x[i]) - float64(b)
		q += dv * dv
		qm += dv * dv
		e := float64(x[i]) * (float64(y[i]) - float64(b))
		p += e
		pm += math.Abs(e)
	}
	for _, red := range []struct {
		name      string
		got       float32
		want, mag float64
	}{
		{"sum", k.sum(x), s, sm},
		{"sumSqDev", k.sumSqDev(x, b), q, qm},
		{"dotDev", k.dotDev(x, y, b), p, pm},
		{"leakySums sg", sg, wsg, msg},
		{"leakySums sgp", sgp, wsgp, msgp + 2*msg*math.Abs(float64(c))},
	} {
		if d := math.Abs(float64(red.got) - red.want); !(d <= 2*g*red.mag+u*math.Abs(red.want)) {
			t.Fatalf("%s %s n=%d off=%d: %g, want %g", k.name, red.name, n, off, red.got, red.want)
		}
	}
	if !same(x, x0) || !same(y, y0) {
		t.Fatalf("%s n=%d off=%d: an input was modified", k.name, n, off)
	}
}

// TestPool2GradKernels runs pool2Grad of every table entry against its
// Generic twin for 0..40 windows at offsets 0..3, with guard bands around
// the outputs and unchanged inputs. The cells come from {−1, 0, 1} so most
// windows hold ties (the first maximum must win), and some rows hold NaNs
// (the twins must still agree). Without NaNs the Generic twin must route
// each dy to the first maximum in the order a, b, c, d, found by a plain
// scan.
func TestPool2GradKernels(t *testing.T) {
	for _, k := range kernelTable {
		t.Run(k.name, func(t *testing.T) {
			if !k.available {
				t.Skipf("CPU lacks %s", k.name)
			}
			r := rand.New(rand.NewPCG(7, 8))
			for n := 0; n <= 40; n++ {
				for off := range 4 {
					testPool2GradOnce(t, k, r, n, off, off == 3)
				}
			}
		})
	}
}

func testPool2GradOnce(t *testing.T, k kernels, r *rand.Rand, n, off int, nans bool) {
	cells := func(m, o int) []float32 {
		v, _ := vec(r, m, o)
		for i := range v {
			v[i] = float32(r.IntN(3) - 1)
			if nans && r.IntN(6) == 0 {
				v[i] = float32(math.NaN())
			}
		}
		return v
	}
	r0, r1 := cells(2*n, (off+1)%4), cells(2*n, (off+2)%4)
	dy, _ := vec(r, n, (off+3)%4)
	in0 := [][]float32{append([]float32(nil), r0...), append([]float32(nil), r1...), append([]float32(nil), dy...)}
	d0, w0 := vec(r, 2*n, off)
	d1, w1 := vec(r, 2*n, (off+1)%4)
	g0, g1 := append([]float32(nil), d0...), append([]float32(nil), d1...)
	k.pool2Grad(d0, d1, r0, r1, dy)
	checkGuards(t, "pool2Grad d0", w0, off, 2*n)
	checkGuards(t, "pool2Grad d1", w1, (off+1)%4, 2*n)
	if !same(r0, in0[0]) || !same(r1, in0[1]) || !same(dy, in0[2]) {
		t.Fatalf("%s pool2Grad n=%d off=%d: an input was modified", k.name, n, off)
	}
	e0, e1 := append([]float32(nil), g0...), append([]float32(nil), g1...)
	pool2GradGeneric(e0, e1, r0, r1, dy)
	if !same(d0, e0) || !same(d1, e1) {
		t.Fatalf("%s pool2Grad n=%d off=%d: d0 %v d1 %v, Generic gives %v %v (rows %v %v)", k.name, n, off, d0, d1, e0, e1, r0, r1)
	}
	if nans {
		return
	}
	for i := range n {
		cell := []*float32{&g0[2*i], &g0[2*i+1], &g1[2*i], &g1[2*i+1]}
		vals := []float32{r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1]}
		best := 0
		for j := 1; j < 4; j++ {
			if vals[j] > vals[best] {
				best = j
			}
		}
		*cell[best] += dy[i]
		for j, c := range cell {
			if j != best {
				*c += 0 // as the kernels do: dy or 0 goes to every cell
			}
		}
	}
	if !same(e0, g0) || !same(e1, g1) {
		t.Fatalf("Generic pool2Grad n=%d: d0 %v d1 %v, want %v %v (rows %v %v, dy %v)", n, e0, e1, g0, g1, r0, r1, dy)
	}
}

// TestWinogradKernels runs the Winograd row transforms of every table entry
// against their Generic twins, bit for bit, on rows of 0 … 41 tiles (the
// assembly does eight at a time), with guard bands around every output.
func TestWinogradKernels(t *testing.T) {
	for _, k := range kernelTable {
		t.Run(k.name, func(t *testing.T) {
			if !k.available {
				t.Skipf("CPU lacks %s", k.name)
			}
			r := rand.New(rand.NewPCG(3, 4))
			for tw := 0; tw <= 41; tw++ {
				l := tw + 1 + r.IntN(3)
				eo, _ := vec(r, 8*l, 0)
				sv := tw + r.IntN(5) // stride between the 16 outputs
				got, want := make([]float32, 16*sv+8), make([]float32, 16*sv+8)
				for i := range got {
					got[i], want[i] = sentinel, sentinel
				}
				k.winoInRow(got, sv, eo, l, tw)
				winoInRowGeneric(want, sv, eo, l, tw)
				if !same(got, want) {
					t.Fatalf("winoInRow tw=%d l=%d sv=%d: differs from the Generic twin", tw, l, sv)
				}
				for xi := range 16 {
					checkGuards(t, "winoInRow", got[xi*sv:(xi+1)*sv], 0, tw)
				}

				m, _ := vec(r, 16*sv, 0)
				g0, g1 := make([]float32, 2*tw+8), make([]float32, 2*tw+8)
				w0, w1 := make([]float32, 2*tw+8), make([]float32, 2*tw+8)
				for i := range g0 {
					g0[i], g1[i], w0[i], w1[i] = sentinel, sentinel, sentinel, sentinel
				}
				k.winoOutRow(g0, g1, m, sv, tw)
				winoOutRowGeneric(w0, w1, m, sv, tw)
				if !same(g0, w0) || !same(g1, w1) {
					t.Fatalf("winoOutRow tw=%d sm=%d: differs from the Generic twin", tw, sv)
				}
				checkGuards(t, "winoOutRow", g0, 0, 2*tw)
				checkGuards(t, "winoOutRow", g1, 0, 2*tw)
			}
		})
	}
}

// TestRowsKernels runs unzipRows and zipAddRows of every table entry
// against their definitions on 1 and 3 rows of every n in 0..40 pairs, with
// row strides wider than the rows. unzipRows: the floats between rows (and
// around the outputs) are sentinels that must stay, and src is unchanged.
// zipAddRows: the floats of dst past each row's 2n stay as they were, even
// and odd are unchanged, and each element is one rounded addition, so the
// results must match exactly.
func TestRowsKernels(t *testing.T) {
	for _, k := range kernelTable {
		t.Run(k.name, func(t *testing.T) {
			if !k.available {
				t.Skipf("CPU lacks %s", k.name)
			}
			r := rand.New(rand.NewPCG(5, 6))
			for _, rows := range []int{1, 3} {
				for n := 1; n <= 40; n++ {
					testUnzipRows(t, k, r, rows, n)
					testZipAddRows(t, k, r, rows, n)
				}
			}
		})
	}
}

func testUnzipRows(t *testing.T, k kernels, r *rand.Rand, rows, n int) {
	ld, lds := n+3, 2*n+5
	size := rows*ld + 4
	even, odd := make([]float32, size), make([]float32, size)
	for i := range even {
		even[i], odd[i] = sentinel, sentinel
	}
	src, _ := vec(r, rows*lds, 0)
	src0 := append([]float32(nil), src...)
	k.unzipRows(even[2:], odd[2:], ld, src, lds, rows, n)
	if !same(src, src0) {
		t.Fatalf("%s unzipRows rows=%d n=%d: src changed", k.name, rows, n)
	}
	for i := range even {
		we, wo := sentinel, sentinel
		if q := i - 2; q >= 0 && q/ld < rows && q%ld < n {
			we, wo = src[q/ld*lds+2*(q%ld)], src[q/ld*lds+2*(q%ld)+1]
		}
		if even[i] != we || odd[i] != wo {
			t.Fatalf("%s unzipRows rows=%d n=%d: even[%d], odd[%d] = %g, %g, want %g, %g", k.name, rows, n, i, i, even[i], odd[i], we, wo)
		}
	}
}

func testZipAddRows(t *testing.T, k kernels, r *rand.Rand, rows, n int) {
	ld, ldd := n+3, 2*n+5
	dst, _ := vec(r, rows*ldd+4, 0)
	even, _ := vec(r, rows*ld, 0)
	odd, _ := vec(r, rows*ld, 0)
	dst0, even0, odd0 := append([]float32(nil), dst...), append([]float32(nil), even...), append([]float32(nil), odd...)
	k.zipAddRows(dst[2:], ldd, even, odd, ld, rows, n)
	if !same(even, even0) || !same(odd, odd0) {
		t.Fatalf("%s zipAddRows rows=%d n=%d: even or odd changed", k.name, rows, n)
	}
	for i := range dst {
		want := dst0[i]
		if q := i - 2; q >= 0 && q/ldd < rows && q%ldd < 2*n {
			row, c := q/ldd, q%ldd
			if c%2 == 0 {
				want += even[row*ld+c/2]
			} else {
				want += odd[row*ld+c/2]
			}
		}
		if dst[i] != want {
			t.Fatalf("%s zipAddRows rows=%d n=%d: dst[%d] = %g, want %g", k.name, rows, n, i, dst[i], want)
		}
	}
}
