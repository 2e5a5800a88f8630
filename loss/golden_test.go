package loss

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// goldenDir is the loss case of /work/shared/golden, relative to this
// package directory.
var goldenDir = filepath.Join("..", "..", "shared", "golden", "loss_yolov3_c2_416")

type goldenTerms struct{ GIoU, Conf, Prob, Total float64 }

type goldenLoss struct {
	Classes   int `json:"classes"`
	InputSize int `json:"input_size"`
	Batch     int `json:"batch"`
	Strides   []int
	AnchorsPx [][][2]float64 `json:"anchors_px"`
	Raw       struct {
		Seed   uint64            `json:"seed"`
		Files  map[string][]int  `json:"files"`
		SHA256 map[string]string `json:"sha256_of_float32_le_data"`
	} `json:"raw"`
	Boxes    [][][5]float64 `json:"boxes"`
	Expected struct {
		goldenTerms
		PerScale map[string]goldenTerms `json:"per_scale"`
	} `json:"expected"`
	PerImage []struct {
		Total    goldenTerms            `json:"total"`
		PerScale map[string]goldenTerms `json:"per_scale"`
	} `json:"per_image"`
	Diagnostics struct {
		PerScale map[string]struct {
			Positives      int     `json:"positives"`
			Ignored        int     `json:"ignored_by_iou"`
			ConfPositive   float64 `json:"conf_positive"`
			ConfBackground float64 `json:"conf_background"`
		} `json:"per_scale"`
		Overwrites []int `json:"overwrites"`
		Fallbacks  []int `json:"fallbacks"`
	} `json:"diagnostics"`
	Assignment [][]struct {
		XYWH       [4]float64  `json:"xywh"`
		Fallback   bool        `json:"fallback"`
		AnchorIoUs [][]float64 `json:"anchor_ious"`
		Slots      []struct {
			Scale, Stride, Anchor, Row, Col int
			FinalOwner                      bool `json:"final_owner"`
		} `json:"slots"`
	} `json:"assignment"`
	BoxLists []map[string][][4]float64 `json:"box_lists"`
}

// splitMix is the golden generator (golden/README.md §1).
type splitMix struct{ s uint64 }

func (g *splitMix) u() float64 {
	g.s += 0x9E3779B97F4A7C15
	z := g.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return float64((z^(z>>31))>>40) / (1 << 24)
}

// goldenRaw rebuilds the raw outputs of the loss case (README §5): one
// stream, stride 8 then 16 then 32, each (N, 21, S, S) in C order, the
// field k = ch mod 7 selecting the affine map.
func goldenRaw(seed uint64, n, classes int, grids []int) [][]float32 {
	g := &splitMix{s: seed}
	nf := 5 + classes
	out := make([][]float32, len(grids))
	for i, s := range grids {
		out[i] = make([]float32, 0, n*3*nf*s*s)
		for range n {
			for ch := range 3 * nf {
				for range s * s {
					u := g.u()
					var v float64
					switch k := ch % nf; {
					case k < 2:
						v = 4*u - 2
					case k < 4:
						v = 1*u - 0.5
					case k == 4:
						v = 4*u - 5
					default:
						v = 4*u - 2
					}
					out[i] = append(out[i], float32(v))
				}
			}
		}
	}
	return out
}

func float32Bytes(x []float32) []byte {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func loadGolden(t *testing.T) *goldenLoss {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(goldenDir, "loss.json"))
	if os.IsNotExist(err) {
		t.Skipf("golden vectors not found at %s", goldenDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	var gl goldenLoss
	if err := json.Unmarshal(data, &gl); err != nil {
		t.Fatal(err)
	}
	return &gl
}

func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Abs(want)
}

func TestSplitMixKnownAnswers(t *testing.T) {
	g := &splitMix{s: 1001}
	for _, want := range []float64{0.325164794921875, 0.22957384586334229} {
		if got := g.u(); got != want {
			t.Fatalf("u = %v, want %v", got, want)
		}
	}
}

func TestGoldenLoss(t *testing.T) {
	gl := loadGolden(t)
	cfg := YOLOv3(gl.Classes, gl.InputSize, gl.InputSize)
	for i := range cfg.Strides {
		if cfg.Strides[i] != gl.Strides[i] {
			t.Fatalf("strides %v, golden %v", cfg.Strides, gl.Strides)
		}
		for a := range 3 {
			if cfg.Anchors[i][a] != gl.AnchorsPx[i][a] {
				t.Fatalf("anchors %v, golden %v", cfg.Anchors, gl.AnchorsPx)
			}
		}
	}
	names := []string{"s8", "s16", "s32"}

	// Raw outputs from the formula, checked against the recorded sha256 and
	// against the stored .npy data.
	grids := []int{52, 26, 13}
	raw := goldenRaw(gl.Raw.Seed, gl.Batch, gl.Classes, grids)
	for i, name := range names {
		file := "raw_" + name + ".npy"
		b := float32Bytes(raw[i])
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != gl.Raw.SHA256[file] {
			t.Fatalf("%s: sha256 of generated data %s, want %s", file, got, gl.Raw.SHA256[file])
		}
		if npy, err := os.ReadFile(filepath.Join(goldenDir, file)); err == nil {
			if len(npy) < len(b) || !bytes.Equal(npy[len(npy)-len(b):], b) {
				t.Fatalf("%s: stored data differs from the generated data", file)
			}
		}
	}

	// Label assignment.
	targets := make([]*Targets, gl.Batch)
	for n, boxes := range gl.Boxes {
		var bs []Box
		for _, b := range boxes {
			bs = append(bs, Box{X1: b[0], Y1: b[1], X2: b[2], Y2: b[3], Class: int(b[4])})
		}
		tg, err := Assign(&cfg, bs)
		if err != nil {
			t.Fatal(err)
		}
		targets[n] = tg
		checkGoldenAssignment(t, gl, n, tg, names)
	}

	// Loss terms, per scale, per image.
	res, err := Compute(&cfg, raw, targets, nil)
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-4
	check := func(what string, got Terms, want goldenTerms, total bool) {
		t.Helper()
		ok := relClose(got.GIoU, want.GIoU, tol) && relClose(got.Conf, want.Conf, tol) && relClose(got.Prob, want.Prob, tol)
		if total {
			ok = ok && relClose(got.Total(), want.Total, tol)
		}
		if !ok {
			t.Errorf("%s: got giou %.12g conf %.12g prob %.12g total %.12g, want %.12g %.12g %.12g %.12g",
				what, got.GIoU, got.Conf, got.Prob, got.Total(), want.GIoU, want.Conf, want.Prob, want.Total)
		}
	}
	check("batch", res.Terms, gl.Expected.goldenTerms, true)
	for i, name := range names {
		check("batch "+name, res.Scales[i], gl.Expected.PerScale[name], false)
	}
	for n, pi := range gl.PerImage {
		var tot Terms
		for i, name := range names {
			check("image "+string(rune('0'+n))+" "+name, res.Images[n][i], pi.PerScale[name], false)
			tot.add(res.Images[n][i])
		}
		check("image "+string(rune('0'+n)), tot, pi.Total, true)
	}
	e := gl.Expected
	if naive, _ := naiveLoss(&cfg, raw, targets); !relClose(naive[0], e.GIoU, tol) ||
		!relClose(naive[1], e.Conf, tol) || !relClose(naive[2], e.Prob, tol) {
		t.Errorf("the test's transcription of SPEC §7 gives %v, golden %v", naive, e.goldenTerms)
	}
	t.Logf("relative errors: giou %.2g conf %.2g prob %.2g total %.2g",
		math.Abs(res.Terms.GIoU/e.GIoU-1), math.Abs(res.Terms.Conf/e.Conf-1),
		math.Abs(res.Terms.Prob/e.Prob-1), math.Abs(res.Terms.Total()/e.Total-1))

	// Diagnostics.
	for i, name := range names {
		d, s := gl.Diagnostics.PerScale[name], res.Stats[i]
		if s.Positives != d.Positives || s.Ignored != d.Ignored ||
			!relClose(s.ConfPositive, d.ConfPositive, tol) || !relClose(s.ConfBackground, d.ConfBackground, tol) {
			t.Errorf("%s stats %+v, golden %+v", name, s, d)
		}
	}
	for n, tg := range targets {
		fb := 0
		for _, r := range tg.Boxes {
			if r.Fallback {
				fb++
			}
		}
		if fb != gl.Diagnostics.Fallbacks[n] {
			t.Errorf("image %d: %d fallbacks, golden %d", n, fb, gl.Diagnostics.Fallbacks[n])
		}
	}
}

func checkGoldenAssignment(t *testing.T, gl *goldenLoss, n int, tg *Targets, names []string) {
	t.Helper()
	want := gl.Assignment[n]
	if len(tg.Boxes) != len(want) {
		t.Fatalf("image %d: %d box records, want %d", n, len(tg.Boxes), len(want))
	}
	nf := 5 + gl.Classes
	for bi, w := range want {
		got := tg.Boxes[bi]
		if got.XYWH != w.XYWH || got.Fallback != w.Fallback {
			t.Errorf("image %d box %d: xywh %v fallback %v, want %v %v", n, bi, got.XYWH, got.Fallback, w.XYWH, w.Fallback)
		}
		for i := range w.AnchorIoUs {
			for a := range w.AnchorIoUs[i] {
				if !relClose(got.AnchorIoU[i][a], w.AnchorIoUs[i][a], 1e-12) {
					t.Errorf("image %d box %d: anchor IoU [%d][%d] = %v, want %v", n, bi, i, a, got.AnchorIoU[i][a], w.AnchorIoUs[i][a])
				}
			}
		}
		if len(got.Slots) != len(w.Slots) {
			t.Errorf("image %d box %d: slots %v, want %+v", n, bi, got.Slots, w.Slots)
			continue
		}
		for k, ws := range w.Slots {
			gs := got.Slots[k]
			if gs != (Slot{Scale: ws.Scale, Anchor: ws.Anchor, Row: ws.Row, Col: ws.Col}) || gl.Strides[ws.Scale] != ws.Stride {
				t.Errorf("image %d box %d slot %d: %+v, want %+v", n, bi, k, gs, ws)
				continue
			}
			st := tg.Scales[gs.Scale]
			slot := (gs.Row*st.Cols+gs.Col)*3 + gs.Anchor
			if owner := st.Owner[slot] == int32(bi); owner != ws.FinalOwner {
				t.Errorf("image %d box %d slot %+v: final owner %v, want %v", n, bi, gs, owner, ws.FinalOwner)
			}
			if !ws.FinalOwner {
				continue
			}
			// The label holds this box.
			l := st.Label[slot*nf : (slot+1)*nf]
			cls := int(gl.Boxes[n][bi][4])
			for c := range gl.Classes {
				tc := float32(0.005)
				if c == cls {
					tc = 0.995
				}
				if l[5+c] != tc {
					t.Errorf("image %d box %d: class target %d = %v, want %v", n, bi, c, l[5+c], tc)
				}
			}
			if [4]float64{float64(l[0]), float64(l[1]), float64(l[2]), float64(l[3])} != w.XYWH || l[4] != 1 {
				t.Errorf("image %d box %d: label %v", n, bi, l)
			}
		}
	}
	ow := 0 // boxes that lost at least one slot to a later box
	for bi := range want {
		for _, ws := range want[bi].Slots {
			if !ws.FinalOwner {
				ow++
				break
			}
		}
	}
	if ow != gl.Diagnostics.Overwrites[n] {
		t.Errorf("image %d: %d overwritten boxes, golden %d", n, ow, gl.Diagnostics.Overwrites[n])
	}

	// Positive slots in the labels are exactly the final-owner slots.
	for i, st := range tg.Scales {
		pos := 0
		for k := range st.Owner {
			if st.Label[k*nf+4] == 1 {
				pos++
			}
		}
		fin := 0
		for _, w := range want {
			for _, ws := range w.Slots {
				if ws.Scale == i && ws.FinalOwner {
					fin++
				}
			}
		}
		if pos != fin {
			t.Errorf("image %d scale %d: %d positive slots, golden %d", n, i, pos, fin)
		}
	}

	// Box lists: the non-zero rows in row order, and zeros after.
	for i, name := range names {
		wl := gl.BoxLists[n][name]
		st := tg.Scales[i]
		if st.Count != len(wl) {
			t.Errorf("image %d %s: count %d, golden list %v", n, name, st.Count, wl)
		}
		for r := range MaxBoxes {
			var w [4]float64
			if r < len(wl) {
				w = wl[r]
			}
			got := [4]float64{float64(st.List[4*r]), float64(st.List[4*r+1]), float64(st.List[4*r+2]), float64(st.List[4*r+3])}
			if got != w {
				t.Errorf("image %d %s row %d: %v, want %v", n, name, r, got, w)
			}
		}
	}
}
