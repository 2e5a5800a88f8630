package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"darkgo/loss"
	"darkgo/mat"
)

// fakeNet is a tiny differentiable stand-in for the detector:
//
//	raw_i[n, c, y, x] = W_i[c, y, x] + V_i[c]·μ(xₙ)
//
// with μ(xₙ) the mean of image n. It lets the loop, checkpoints and resume
// be tested in milliseconds, independently of yolo/.
type fakeNet struct {
	cfg    loss.Config
	params []Param
	mu     []float32 // μ of each image of the last Forward
	out    []*mat.Tensor
	poison bool // make the next Forward produce a NaN
}

func newFakeNet(cfg loss.Config, seed uint64) *fakeNet {
	f := &fakeNet{cfg: cfg}
	r := rand.New(rand.NewPCG(seed, 0))
	ch := 3 * (5 + cfg.Classes)
	for i, s := range cfg.Strides {
		w := mat.New(ch, cfg.Height/s, cfg.Width/s)
		for j := range w.Data {
			w.Data[j] = float32(r.NormFloat64() * 0.1)
		}
		v := mat.New(ch)
		f.params = append(f.params,
			Param{Name: fmt.Sprintf("head_%d/w", i), Value: w, Grad: mat.New(w.Shape...)},
			Param{Name: fmt.Sprintf("head_%d/v", i), Value: v, Grad: mat.New(ch)})
	}
	return f
}

func (f *fakeNet) Forward(x *mat.Tensor, train bool) ([]*mat.Tensor, error) {
	n, per := x.Shape[0], x.Len()/x.Shape[0]
	f.mu = make([]float32, n)
	for i := range n {
		var s float64
		for _, v := range x.Data[i*per : (i+1)*per] {
			s += float64(v)
		}
		f.mu[i] = float32(s / float64(per))
	}
	f.out = f.out[:0]
	for i := range f.cfg.Strides {
		w, v := f.params[2*i].Value, f.params[2*i+1].Value
		ch, hw := w.Shape[0], w.Shape[1]*w.Shape[2]
		o := mat.New(n, ch, w.Shape[1], w.Shape[2])
		for b := range n {
			for c := range ch {
				for j := range hw {
					o.Data[(b*ch+c)*hw+j] = w.Data[c*hw+j] + v.Data[c]*f.mu[b]
				}
			}
		}
		f.out = append(f.out, o)
	}
	if f.poison {
		f.out[1].Data[5] = float32(math.NaN())
	}
	return f.out, nil
}

func (f *fakeNet) Backward(dRaw []*mat.Tensor) error {
	for i, d := range dRaw {
		dw, dv := f.params[2*i].Grad, f.params[2*i+1].Grad
		ch, hw := dw.Shape[0], dw.Shape[1]*dw.Shape[2]
		for b := range d.Shape[0] {
			for c := range ch {
				for j := range hw {
					g := d.Data[(b*ch+c)*hw+j]
					dw.Data[c*hw+j] += g
					dv.Data[c] += g * f.mu[b]
				}
			}
		}
	}
	return nil
}

func (f *fakeNet) Params() []Param { return f.params }

func (f *fakeNet) ZeroGrad() {
	for _, p := range f.params {
		p.Grad.Zero()
	}
}

func (f *fakeNet) WriteWeights(w io.Writer) error {
	for _, p := range f.params {
		if err := binary.Write(w, binary.LittleEndian, p.Value.Data); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeNet) readWeights(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	r := bytes.NewReader(b)
	for _, p := range f.params {
		if err := binary.Read(r, binary.LittleEndian, p.Value.Data); err != nil {
			return err
		}
	}
	return nil
}

// writeSynthSet writes n w×h PNG images with one or two dark rectangles on
// white and an annotation file listing them; it returns its path.
func writeSynthSet(t testing.TB, dir, name string, n, w, h, classes int, seed uint64) string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 3))
	var ann bytes.Buffer
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, w, h))
		for j := range img.Pix {
			img.Pix[j] = 255
		}
		file := fmt.Sprintf("%s_%03d.png", name, i)
		fmt.Fprintf(&ann, "%s", file)
		for range 1 + r.IntN(2) {
			bw, bh := 6+r.IntN(w/3), 6+r.IntN(h/3)
			x0, y0 := r.IntN(w-bw), r.IntN(h-bh)
			for y := y0; y < y0+bh; y++ {
				for x := x0; x < x0+bw; x++ {
					img.SetGray(x, y, color.Gray{uint8(20 + r.IntN(60))})
				}
			}
			fmt.Fprintf(&ann, " %d,%d,%d,%d,%d", x0, y0, x0+bw, y0+bh, r.IntN(classes))
		}
		ann.WriteString("\n")
		f, err := os.Create(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	path := filepath.Join(dir, name+".txt")
	if err := os.WriteFile(path, ann.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func fakeSetup(t *testing.T) (Config, loss.Config, *Data, *Data) {
	dir := t.TempDir()
	trainPath := writeSynthSet(t, dir, "train", 5, 80, 60, 2, 1)
	valPath := writeSynthSet(t, dir, "val", 3, 64, 64, 2, 2)
	tr, err := LoadData(trainPath, 2, 2, DefaultCacheBytes)
	if err != nil {
		t.Fatal(err)
	}
	va, err := LoadData(valPath, 2, 2, DefaultCacheBytes)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Model, cfg.Train, cfg.Val, cfg.Size, cfg.Batch, cfg.Epochs, cfg.Warmup = "yolov3-tiny", trainPath, valPath, 64, 2, 3, 1
	cfg.LR, cfg.LREnd = 1e-2, 1e-4 // large enough for the weights to move
	cfg.Out = filepath.Join(dir, "out")
	return cfg, loss.YOLOv3Tiny(2, 64, 64), tr, va
}

func weightsOf(t *testing.T, net Net) []byte {
	var b bytes.Buffer
	if err := net.WriteWeights(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestResumeExact: 3 epochs of 3 updates straight, against 4 updates
// (stopping in the middle of epoch 2), a resume from disk in a fresh
// process-like setup with a different worker count, and the remaining 5
// updates: the final weights, Adam moments and logged losses are
// bit-identical.
func TestResumeExact(t *testing.T) {
	cfg, lcfg, tr, va := fakeSetup(t)
	cfg.Workers = 1
	straightNet := newFakeNet(lcfg, 7)
	a, err := NewTrainer(cfg, straightNet, lcfg, tr, va)
	if err != nil {
		t.Fatal(err)
	}
	a.Log, err = OpenLogger(cfg.Out, -1)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.Log.Close()
	if a.State.Step != 9 || a.State.Epoch != 3 {
		t.Fatalf("straight run ended at step %d epoch %d, want 9, 3", a.State.Step, a.State.Epoch)
	}
	want := weightsOf(t, straightNet)
	if bytes.Equal(want, weightsOf(t, newFakeNet(lcfg, 7))) {
		t.Fatal("training did not change the weights")
	}
	straightHist := a.Log.History

	cfg2 := cfg
	cfg2.Out = cfg.Out + "2"
	first := newFakeNet(lcfg, 7)
	b, _ := NewTrainer(cfg2, first, lcfg, tr, va)
	b.StopAfter = 4
	b.Log, _ = OpenLogger(cfg2.Out, -1)
	if err := b.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.Log.Close()
	if b.State.Step != 4 || b.State.Epoch != 1 || b.State.Batch != 1 {
		t.Fatalf("stopped at step %d epoch %d batch %d, want 4, 1, 1", b.State.Step, b.State.Epoch, b.State.Batch)
	}

	// Resume from the files only.
	st, adam, err := LoadState(cfg2.Out, LastName)
	if err != nil {
		t.Fatal(err)
	}
	second := newFakeNet(lcfg, 12345) // different init, overwritten by the checkpoint
	if err := second.readWeights(filepath.Join(cfg2.Out, LastName+".weights")); err != nil {
		t.Fatal(err)
	}
	rcfg := st.Config
	rcfg.Workers = 3
	c, _ := NewTrainer(rcfg, second, lcfg, tr, va)
	if err := c.Resume(st, adam); err != nil {
		t.Fatal(err)
	}
	c.Log, _ = OpenLogger(cfg2.Out, st.Step)
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Log.Close()
	if got := weightsOf(t, second); !bytes.Equal(got, want) {
		t.Fatal("2N straight and N + resume + N give different weights")
	}
	for i := range a.Adam.M {
		for j := range a.Adam.M[i] {
			if math.Float32bits(a.Adam.M[i][j]) != math.Float32bits(c.Adam.M[i][j]) ||
				math.Float32bits(a.Adam.V[i][j]) != math.Float32bits(c.Adam.V[i][j]) {
				t.Fatalf("Adam moment %d[%d] differs", i, j)
			}
		}
	}
	resumedHist := c.Log.History
	if len(resumedHist) != len(straightHist) {
		t.Fatalf("%d log rows after resume, %d straight", len(resumedHist), len(straightHist))
	}
	for i := range straightHist {
		x, y := straightHist[i], resumedHist[i]
		x.ImagesPerSec, y.ImagesPerSec = 0, 0
		if x != y {
			t.Fatalf("log row %d: straight %+v, resumed %+v", i, x, y)
		}
	}
	// Checkpoint files: best and last, and the best is the lowest val loss.
	bestSt, _, err := LoadState(cfg.Out, BestName)
	if err != nil {
		t.Fatal(err)
	}
	minVal := math.Inf(1)
	for _, r := range straightHist {
		if r.Phase == "val" {
			minVal = min(minVal, r.Total)
		}
	}
	if bestSt.BestVal != minVal {
		t.Errorf("best checkpoint has val loss %g, the lowest logged is %g", bestSt.BestVal, minVal)
	}
	// Schedule: update 1 ran at the warm-up rate (quirk 8 fixed).
	if r := straightHist[0]; r.Step != 1 || r.LR != 1.0/3*cfg.LR {
		t.Errorf("first update: step %d lr %g, want 1, %g", r.Step, r.LR, cfg.LR/3)
	}
}

// TestNaNGuard: a NaN in the outputs stops training with an error that
// names the update and the head, and the last checkpoint is untouched.
func TestNaNGuard(t *testing.T) {
	cfg, lcfg, tr, va := fakeSetup(t)
	cfg.Workers = 2
	net := newFakeNet(lcfg, 1)
	tn, _ := NewTrainer(cfg, net, lcfg, tr, va)
	tn.StopAfter = 3
	if err := tn.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(cfg.Out, LastName+".weights"))
	tn.StopAfter = 0
	net.poison = true
	err := tn.Run(context.Background())
	var nf *NonFiniteError
	if !errors.As(err, &nf) || nf.Step != 4 {
		t.Fatalf("got %v, want a NonFiniteError at update 4", err)
	}
	if nf.Where != "raw output of head 1 (stride 32)" || nf.Index != 5 {
		t.Errorf("guard names %q element %d", nf.Where, nf.Index)
	}
	after, _ := os.ReadFile(filepath.Join(cfg.Out, LastName+".weights"))
	if !bytes.Equal(before, after) {
		t.Error("the last checkpoint changed")
	}
	if _, _, err := LoadState(cfg.Out, LastName); err != nil {
		t.Errorf("last checkpoint no longer loads: %v", err)
	}
}

// TestCancelSaves: cancelling the context stops at an update boundary and
// saves "last" there.
func TestCancelSaves(t *testing.T) {
	cfg, lcfg, tr, va := fakeSetup(t)
	ctx, cancel := context.WithCancel(context.Background())
	tn, _ := NewTrainer(cfg, newFakeNet(lcfg, 1), lcfg, tr, va)
	tn.Report = func(Record, string) {
		if tn.State.Step == 2 {
			cancel()
		}
	}
	if err := tn.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	st, _, err := LoadState(cfg.Out, LastName)
	if err != nil || st.Step != 2 || st.Batch != 2 {
		t.Fatalf("saved state: %v %+v", err, st)
	}
}
