package train

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"darkgo/autograd"
	"darkgo/conv"
	"darkgo/dataset"
	"darkgo/loss"
	"darkgo/mat"
	"darkgo/yolo"
)

// YOLONet adapts a yolo.Model and an autograd tape to Net.
type YOLONet struct {
	Model  *yolo.Model
	net    *yolo.TrainNet
	tape   *autograd.Tape
	vars   []*autograd.Var
	params []Param
	heads  []*autograd.Var
}

// NewYOLONet wraps m for training; the parameters are shared, so Adam
// updates m in place. workers is the GEMM worker count.
func NewYOLONet(m *yolo.Model, workers int) *YOLONet {
	n := &YOLONet{Model: m, net: yolo.NewTrainNet(m), tape: autograd.NewTape(conv.NewWorkspace(workers))}
	n.vars = n.net.Params()
	// TrainNet.Params order: per conv W, then β and γ (BN) or the bias.
	for i := range m.Convs {
		names := []string{"kernel", "beta", "gamma"}
		if !m.Convs[i].BN() {
			names = []string{"kernel", "bias"}
		}
		for _, s := range names {
			v := n.vars[len(n.params)]
			n.params = append(n.params, Param{Name: fmt.Sprintf("conv_%d/%s", i, s), Value: v.Value, Grad: v.Grad})
		}
	}
	return n
}

// Forward implements Net.
func (n *YOLONet) Forward(x *mat.Tensor, train bool) ([]*mat.Tensor, error) {
	n.tape.Reset()
	n.tape.NoGrad = !train
	heads, err := n.net.Forward(n.tape, x, train)
	if err != nil {
		return nil, err
	}
	n.heads = heads
	out := make([]*mat.Tensor, len(heads))
	for i, h := range heads {
		out[i] = h.Value
	}
	return out, nil
}

// Backward implements Net.
func (n *YOLONet) Backward(dRaw []*mat.Tensor) error {
	if n.heads == nil || n.tape.NoGrad {
		return fmt.Errorf("train: backward without a training forward")
	}
	n.tape.Backward(n.heads, dRaw)
	n.heads = nil
	return nil
}

// Params implements Net.
func (n *YOLONet) Params() []Param { return n.params }

// ZeroGrad implements Net.
func (n *YOLONet) ZeroGrad() { autograd.ZeroGrad(n.vars...) }

// WriteWeights implements Net.
func (n *YOLONet) WriteWeights(w io.Writer) error {
	return n.Model.WriteWeights(w, yolo.DefaultHeader())
}

// LossConfig returns the loss configuration of arch's heads (strides and
// anchors taken from the architecture) for a size×size input.
func LossConfig(arch *yolo.Arch, size int) loss.Config {
	c := loss.Config{Width: size, Height: size, Classes: arch.Classes}
	for _, h := range arch.Heads {
		c.Strides = append(c.Strides, h.Stride)
		var an [][2]float64
		for _, a := range h.Anchors {
			an = append(an, [2]float64{float64(a[0]), float64(a[1])})
		}
		c.Anchors = append(c.Anchors, an)
	}
	return c
}

// initStream is the PCG stream of the model initialisation.
const initStream = 0x1417

// Setup builds a trainer for cfg: the class names, the data sets (images
// decoded into memory), the model (random initialisation from cfg.Seed, then
// transfer from cfg.Init if set) and the logs in cfg.Out. info receives
// one-line notes for the user (may be nil).
func Setup(cfg Config, info func(string)) (*Trainer, error) {
	if info == nil {
		info = func(string) {}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// The configuration is saved with every checkpoint: absolute paths let
	// -resume work from any directory.
	for _, p := range []*string{&cfg.Names, &cfg.Train, &cfg.Val, &cfg.Init} {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				return nil, fmt.Errorf("train: %w", err)
			}
			*p = abs
		}
	}
	names, err := dataset.ReadNames(cfg.Names)
	if err != nil {
		return nil, err
	}
	arch, err := yolo.NewArch(cfg.Model, len(names))
	if err != nil {
		return nil, err
	}
	m := yolo.NewModel(arch)
	m.InitRandom(rand.New(rand.NewPCG(cfg.Seed, initStream)))
	if cfg.Init != "" {
		copied, skipped, err := m.LoadTransfer(cfg.Init)
		if err != nil {
			return nil, err
		}
		info(fmt.Sprintf("transfer: %d parameters from %s; convs %v keep their random initialisation", copied, cfg.Init, skipped))
	}
	return newTrainer(cfg, m, -1, info)
}

// SetupResume rebuilds the trainer saved in dir (its "last" checkpoint):
// the saved configuration, the weights and the optimizer state. workers
// replaces the saved worker count (results do not depend on it).
func SetupResume(dir string, workers int, info func(string)) (*Trainer, error) {
	if info == nil {
		info = func(string) {}
	}
	st, adam, err := LoadState(dir, LastName)
	if err != nil {
		return nil, err
	}
	cfg := st.Config
	cfg.Out, cfg.Workers = dir, workers
	names, err := dataset.ReadNames(cfg.Names)
	if err != nil {
		return nil, err
	}
	arch, err := yolo.NewArch(cfg.Model, len(names))
	if err != nil {
		return nil, err
	}
	m := yolo.NewModel(arch)
	if _, err := m.LoadWeights(filepath.Join(dir, LastName+".weights")); err != nil {
		return nil, err
	}
	t, err := newTrainer(cfg, m, st.Step, info)
	if err != nil {
		return nil, err
	}
	if err := t.Resume(st, adam); err != nil {
		return nil, err
	}
	info(fmt.Sprintf("resuming %s after update %d (epoch %d, batch %d)", dir, st.Step, st.Epoch+1, st.Batch))
	return t, nil
}

func newTrainer(cfg Config, m *yolo.Model, resumeStep int64, info func(string)) (*Trainer, error) {
	classes := m.Arch.Classes
	tr, err := LoadData(cfg.Train, classes, cfg.Workers, DefaultCacheBytes)
	if err != nil {
		return nil, err
	}
	var va *Data
	if cfg.Val != "" {
		if va, err = LoadData(cfg.Val, classes, cfg.Workers, DefaultCacheBytes); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	t, err := NewTrainer(cfg, NewYOLONet(m, cfg.Workers), LossConfig(m.Arch, cfg.Size), tr, va)
	if err != nil {
		return nil, err
	}
	if t.Log, err = OpenLogger(cfg.Out, resumeStep); err != nil {
		return nil, err
	}
	nval := 0
	if va != nil {
		nval = va.Len()
	}
	info(fmt.Sprintf("%s, %d classes, %d×%d input; %d training images, updates per epoch: %d; %d validation images",
		cfg.Model, classes, cfg.Size, cfg.Size, tr.Len(), t.StepsPerEpoch(), nval))
	return t, nil
}
