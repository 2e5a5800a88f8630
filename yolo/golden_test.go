package yolo

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"darkgo/mat"
)

// goldenDir holds the shared test vectors (../shared/golden from the repo root).
const goldenDir = "../../shared/golden"

// splitMix is the golden vectors' random stream (golden README §1).
type splitMix struct{ s uint64 }

func (g *splitMix) next() uint64 {
	g.s += 0x9E3779B97F4A7C15
	z := g.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func (g *splitMix) u() float64 { return float64(g.next()>>40) / (1 << 24) }

// goldenWeights fills m with the golden weights of the given seed (golden
// README §2): one draw per stored float, in file order.
func goldenWeights(m *Model, seed uint64) {
	g := &splitMix{seed}
	for i := range m.Convs {
		c := &m.Convs[i]
		cout := c.W.Shape[0]
		per := c.W.Len() / cout
		f := float64(per)
		s := make([]float64, cout)
		if c.BN() {
			gain := 1.3
			if li := m.Arch.Convs[i]; m.Arch.Layers[li+1].Kind == Shortcut {
				gain = 0.25
			}
			for o := range cout {
				c.Bias.Data[o] = float32(0.5*g.u() - 0.25)
			}
			for o := range cout {
				c.Gamma.Data[o] = float32(0.5 + g.u())
			}
			for o := range cout {
				c.Mean.Data[o] = float32(32*g.u() - 16)
			}
			for o := range cout {
				v := float32(5000 + 10000*g.u())
				c.Var.Data[o] = v
				s[o] = gain * math.Sqrt(3*float64(v)/f)
			}
		} else {
			for o := range cout {
				c.Bias.Data[o] = float32(g.u() - 0.5)
				s[o] = 0.5 * math.Sqrt(3/f)
			}
		}
		for o := range cout {
			w := c.W.Data[o*per : (o+1)*per]
			for j := range w {
				w[j] = float32((2*g.u() - 1) * s[o])
			}
		}
	}
}

// goldenInput is the golden input (1, 3, h, w): x = f32(u_j) in C order.
func goldenInput(seed uint64, h, w int) []float32 {
	g := &splitMix{seed}
	x := make([]float32, 3*h*w)
	for j := range x {
		x[j] = float32(g.u())
	}
	return x
}

type goldenCase struct {
	Model   string `json:"model"`
	Classes int    `json:"classes"`
	Weights struct {
		Seed   uint64   `json:"seed"`
		Bytes  int64    `json:"bytes"`
		SHA256 string   `json:"sha256"`
		Prefix []string `json:"conv_sha256_prefix"`
	} `json:"weights"`
	Input struct {
		Seed   uint64 `json:"seed"`
		SHA256 string `json:"sha256_of_float32_le_data"`
	} `json:"input"`
	InputShape []int `json:"input_shape"`
	Decoded    []struct {
		File     string    `json:"file"`
		Stride   int       `json:"stride"`
		Anchor   int       `json:"anchor"`
		AnchorPx []float64 `json:"anchor_px"`
		Row      int       `json:"row"`
		Col      int       `json:"col"`
		Raw      []float64 `json:"raw"`
		Decoded  []float64 `json:"decoded"`
	} `json:"decoded_cells"`
}

// loadGolden reads a forward case, skipping the test if the vectors are absent.
func loadGolden(t testing.TB, dir string) *goldenCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, dir, "case.json"))
	if os.IsNotExist(err) {
		t.Skipf("golden vectors not found in %s", goldenDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	var c goldenCase
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// goldenModel builds the model of a golden case with its generated weights.
func goldenModel(t testing.TB, c *goldenCase) *Model {
	t.Helper()
	a, err := NewArch(c.Model, c.Classes)
	if err != nil {
		t.Fatal(err)
	}
	m := NewModel(a)
	goldenWeights(m, c.Weights.Seed)
	return m
}

var goldenCases = []struct {
	dir string
	big bool // skipped in -short mode
}{
	{"forward_yolov3-tiny_c3_128x128", false},
	{"forward_yolov3_c2_96x160", true},
}

// TestGoldenWeightsFile regenerates the golden weights, writes them with
// WriteWeights and compares the file's size and sha256, and each conv's
// digest prefix (which locates a generator or writer bug).
func TestGoldenWeightsFile(t *testing.T) {
	for _, gc := range goldenCases {
		t.Run(gc.dir, func(t *testing.T) {
			if gc.big && testing.Short() {
				t.Skip("246 MB file digest in -short mode")
			}
			c := loadGolden(t, gc.dir)
			m := goldenModel(t, c)
			h := sha256.New()
			cw := &countWriter{w: h}
			if err := m.WriteWeights(cw, DefaultHeader()); err != nil {
				t.Fatal(err)
			}
			if cw.n != c.Weights.Bytes {
				t.Errorf("wrote %d bytes, want %d", cw.n, c.Weights.Bytes)
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != c.Weights.SHA256 {
				t.Errorf("sha256 %s, want %s", got, c.Weights.SHA256)
				for i := range m.Convs {
					one := &Model{Arch: m.Arch, Convs: m.Convs[i : i+1]}
					hh := sha256.New()
					one.writeConvs(hh)
					if p := hex.EncodeToString(hh.Sum(nil))[:16]; p != c.Weights.Prefix[i] {
						t.Fatalf("first differing conv %d: %s, want %s", i, p, c.Weights.Prefix[i])
					}
				}
			}
		})
	}
}

// writeConvs writes only the conv arrays (no header), for per-conv digests.
func (m *Model) writeConvs(w io.Writer) {
	_ = m.WriteWeights(&skipWriter{w: w, skip: DefaultHeader().Len()}, DefaultHeader())
}

// skipWriter drops the first skip bytes written to it.
type skipWriter struct {
	w    io.Writer
	skip int64
}

func (s *skipWriter) Write(p []byte) (int, error) {
	n := len(p)
	if s.skip > 0 {
		d := min(s.skip, int64(len(p)))
		p, s.skip = p[d:], s.skip-d
	}
	_, err := s.w.Write(p)
	return n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// relErr is max|got − want| / max|want|, the golden forward metric.
func relErr(got, want []float32) float64 {
	var d, m float64
	for i := range want {
		d = max(d, math.Abs(float64(got[i])-float64(want[i])))
		m = max(m, math.Abs(float64(want[i])))
	}
	return d / m
}

// goldenForward returns the case, its model, its input [1, 3, H, W] (checked
// against the stored sha256 and input.npy) and the reference head outputs
// in Arch.Heads order.
func goldenForward(t *testing.T, dir string) (*goldenCase, *Model, *mat.Tensor, []*mat.Tensor) {
	c := loadGolden(t, dir)
	m := goldenModel(t, c)
	h, w := c.InputShape[2], c.InputShape[3]
	x := mat.FromData(goldenInput(c.Input.Seed, h, w), 1, 3, h, w)
	sum := sha256.New()
	binary.Write(sum, binary.LittleEndian, x.Data)
	if got := hex.EncodeToString(sum.Sum(nil)); got != c.Input.SHA256 {
		t.Fatalf("input sha256 %s, want %s", got, c.Input.SHA256)
	}
	stored, err := LoadNPY(filepath.Join(goldenDir, dir, "input.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !stored.SameShape(x) || relErr(stored.Data, x.Data) != 0 {
		t.Fatalf("input.npy %v differs from the formula", stored.Shape)
	}
	var refs []*mat.Tensor
	for _, hd := range m.Arch.Heads {
		r, err := LoadNPY(filepath.Join(goldenDir, dir, fmt.Sprintf("raw_s%d.npy", hd.Stride)))
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, r)
	}
	return c, m, x, refs
}

func checkHeads(t *testing.T, what string, got, want []*mat.Tensor) {
	t.Helper()
	for h := range want {
		if !got[h].SameShape(want[h]) {
			t.Fatalf("%s head %d: shape %v, want %v", what, h, got[h].Shape, want[h].Shape)
		}
		e := relErr(got[h].Data, want[h].Data)
		t.Logf("%s head %d %v: rel err %.2e", what, h, want[h].Shape, e)
		if e > 1e-4 {
			t.Errorf("%s head %d: rel err %.2e > 1e-4", what, h, e)
		}
	}
}

// TestGoldenForward runs the fused inference path on the golden cases.
func TestGoldenForward(t *testing.T) {
	for _, gc := range goldenCases {
		t.Run(gc.dir, func(t *testing.T) {
			if gc.big && testing.Short() {
				t.Skip("yolov3 golden forward (3.5 GFLOP) in -short mode")
			}
			_, m, x, refs := goldenForward(t, gc.dir)
			inf := NewInference(m, 0)
			// The default (the golden sizes are too small for Winograd to
			// pay anywhere), then F(2×2, 3×3) on every 3×3 stride-1 conv.
			for _, mode := range []winoMode{winoWherePays, winoEverywhere} {
				inf.winograd, inf.plan = mode, nil
				got, err := inf.Forward(x)
				if err != nil {
					t.Fatal(err)
				}
				checkHeads(t, fmt.Sprintf("inference (winograd mode %d)", mode), got, refs)
			}
			inf.SetWinograd(false)
			got, err := inf.Forward(x)
			if err != nil {
				t.Fatal(err)
			}
			checkHeads(t, "inference (no winograd)", got, refs)
		})
	}
}
