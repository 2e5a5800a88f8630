package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"darkgo/loss"
	"darkgo/mat"
)

// Net is what the trainer needs from a detector. yolonet.go adapts
// yolo.Model and an autograd tape to it; tests may use anything smaller.
type Net interface {
	// Forward runs the network on x [N, 3, S, S] and returns the raw head
	// outputs in increasing stride, NCHW (N, A·(5+C), S/stride, S/stride),
	// the layout loss.Compute reads. train selects batch statistics for
	// BN (updating the running statistics) and records what Backward needs;
	// !train uses the running statistics and records nothing. The outputs
	// stay valid until the next Forward or Backward.
	Forward(x *mat.Tensor, train bool) ([]*mat.Tensor, error)
	// Backward adds to every parameter's Grad the gradient of the loss
	// whose derivative with respect to the raw outputs of the last
	// training Forward is dRaw.
	Backward(dRaw []*mat.Tensor) error
	// Params lists the trainable tensors in a fixed order, each with its
	// gradient, named for error messages ("conv_57/kernel").
	Params() []Param
	// ZeroGrad clears every parameter's gradient.
	ZeroGrad()
	// WriteWeights writes the model, BN running statistics included, in
	// darknet format.
	WriteWeights(w io.Writer) error
}

// Trainer runs the seed's training loop (SPEC §8) on a Net: for each
// epoch, shuffled full batches of augmented examples; for each batch a
// training forward, the YOLOv3 loss and its gradient, a backward pass and an
// Adam update at the scheduled rate; after each epoch the validation loss,
// a "last" checkpoint and, when the validation loss improves, a "best" one.
type Trainer struct {
	Cfg        Config
	Net        Net
	Loss       loss.Config
	Train, Val *Data // Val may be nil: no validation, "last" only
	Log        *Logger
	// Report receives every training and validation record with its
	// progress line (Progress.Line, ValLine); nil discards them.
	Report func(r Record, line string)
	// StopAfter, if positive, ends Run after that many updates of this run,
	// saving a "last" checkpoint there (a time-boxed session, or the resume
	// test).
	StopAfter int64

	State    State
	Adam     *Adam
	Progress Progress
	params   []Param
}

// Checkpoint names inside Config.Out.
const (
	LastName = "last"
	BestName = "best"
)

// dataStream is the PCG stream (second seed word) of the data order and
// augmentation; model initialisation uses other streams.
const dataStream = 0xda7a

// NewTrainer prepares a fresh run: step 0, zero Adam moments, the data
// RNG seeded from cfg.Seed.
func NewTrainer(cfg Config, net Net, lossCfg loss.Config, trainData, valData *Data) (*Trainer, error) {
	rng, err := rand.NewPCG(cfg.Seed, dataStream).MarshalBinary()
	if err != nil {
		return nil, err
	}
	t := &Trainer{Cfg: cfg, Net: net, Loss: lossCfg, Train: trainData, Val: valData, params: net.Params()}
	t.State = State{RNG: rng, BestVal: math.Inf(1), BestEpoch: -1, Config: cfg}
	t.Adam = NewAdam(t.params, cfg.Workers)
	return t, nil
}

// Resume continues from a saved state and its Adam moments (LoadState);
// the Net must already hold the checkpoint's weights.
func (t *Trainer) Resume(st *State, adam *Adam) error {
	if err := st.CheckParams(t.params); err != nil {
		return err
	}
	adam.Workers = t.Cfg.Workers
	t.State, t.Adam = *st, adam
	return nil
}

// StepsPerEpoch is ⌈N/B⌉ (SPEC §6.2).
func (t *Trainer) StepsPerEpoch() int { return (t.Train.Len() + t.Cfg.Batch - 1) / t.Cfg.Batch }

// Schedule returns the learning-rate schedule in updates.
func (t *Trainer) Schedule() Schedule {
	spe := int64(t.StepsPerEpoch())
	return Schedule{Init: t.Cfg.LR, End: t.Cfg.LREnd, Warmup: int64(t.Cfg.Warmup) * spe, Total: int64(t.Cfg.Epochs) * spe}
}

// errStop ends Run early after saving (StopAfter reached).
var errStop = errors.New("train: stop requested")

// Run trains until Cfg.Epochs are done, the context is cancelled or
// StopAfter updates were made. On cancellation it saves a "last"
// checkpoint at the current update and returns the context's error; a
// non-finite loss or gradient returns a *NonFiniteError without saving.
func (t *Trainer) Run(ctx context.Context) error {
	if t.Cfg.Batch < 1 || t.Train == nil || t.Train.Len() == 0 {
		return fmt.Errorf("train: nothing to train on")
	}
	spe := t.StepsPerEpoch()
	t.Progress.StepsPerEpoch, t.Progress.TotalSteps = spe, int64(spe*t.Cfg.Epochs)
	start := t.State.Step
	var aug *Augment
	if !t.Cfg.NoAugment {
		aug = &Augment{Flip: t.Cfg.Flip, Fill: t.Cfg.Fill}
	}
	prepare := func(i int, r *rand.Rand) (Example, error) { return t.Train.Prepare(i, &t.Loss, aug, r) }
	for t.State.Epoch < t.Cfg.Epochs {
		if t.StopAfter > 0 && t.State.Step-start >= t.StopAfter {
			return nil // stopped at an epoch's end: already saved
		}
		// Replay the epoch's draws from its starting RNG state.
		pcg := new(rand.PCG)
		if err := pcg.UnmarshalBinary(t.State.RNG); err != nil {
			return fmt.Errorf("train: state rng: %w", err)
		}
		r := rand.New(pcg)
		order := EpochOrder(t.Train.Len(), t.Cfg.Batch, r)
		epochSeed := r.Uint64()
		nextRNG, err := pcg.MarshalBinary()
		if err != nil {
			return err
		}
		if err := t.trainEpoch(ctx, order, epochSeed, prepare, start); err != nil {
			if errors.Is(err, errStop) || ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				if serr := t.save(LastName); serr != nil {
					return serr
				}
				if errors.Is(err, errStop) {
					return nil
				}
			}
			return err
		}
		val, err := t.validate(ctx)
		if err != nil {
			if ctx.Err() != nil {
				if serr := t.save(LastName); serr != nil {
					return serr
				}
			}
			return err
		}
		best := false
		if val != nil && val.Total < t.State.BestVal {
			t.State.BestVal, t.State.BestEpoch, best = val.Total, t.State.Epoch, true
		}
		if val != nil && t.Report != nil {
			t.Report(*val, ValLine(*val, best))
		}
		t.State.Epoch, t.State.Batch, t.State.RNG = t.State.Epoch+1, 0, nextRNG
		if err := t.save(LastName); err != nil {
			return err
		}
		if best {
			if err := CopyCheckpoint(t.Cfg.Out, LastName, BestName); err != nil {
				return err
			}
		}
		if t.Log != nil {
			if err := t.Log.Plot(); err != nil {
				return err
			}
		}
	}
	return nil
}

// trainEpoch runs the batches of the current epoch from State.Batch on.
func (t *Trainer) trainEpoch(ctx context.Context, order [][]int, epochSeed uint64, prepare PrepareFunc[Example], start int64) error {
	if t.State.Batch >= len(order) {
		return nil
	}
	loader := NewLoader(ctx, order, t.State.Batch, epochSeed, prepare, t.Cfg.Workers, 2)
	defer loader.Close()
	sched := t.Schedule()
	s := t.Cfg.Size
	x := mat.New(t.Cfg.Batch, 3, s, s)
	for b := t.State.Batch; b < len(order); b++ {
		if t.StopAfter > 0 && t.State.Step-start >= t.StopAfter {
			return errStop
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		t0 := time.Now()
		batch, err := loader.Next(ctx)
		if err != nil {
			return err
		}
		targets := make([]*loss.Targets, len(batch))
		for k, ex := range batch {
			copy(x.Data[k*3*s*s:(k+1)*3*s*s], ex.Image)
			targets[k] = ex.Targets
		}
		k := t.State.Step + 1 // this update
		lr := sched.LR(k)
		terms, err := t.step(k, x, targets, lr)
		if err != nil {
			return err
		}
		t.State.Step, t.State.Batch = k, b+1
		d := time.Since(t0)
		t.Progress.Observe(d)
		rec := Record{Phase: "train", Epoch: t.State.Epoch, Step: k, LR: lr, GIoU: terms.GIoU, Conf: terms.Conf,
			Prob: terms.Prob, Total: terms.Total(), ImagesPerSec: float64(len(batch)) / d.Seconds()}
		if t.Log != nil {
			if err := t.Log.Log(rec); err != nil {
				return err
			}
		}
		if t.Report != nil {
			t.Report(rec, t.Progress.Line(rec, t.Cfg.Epochs))
		}
	}
	return nil
}

// step is one update: forward, loss and dRaw, backward, Adam at rate lr.
// Nothing is changed when a value turns out non-finite, except the BN
// running statistics of the forward pass (never saved in that case).
func (t *Trainer) step(k int64, x *mat.Tensor, targets []*loss.Targets, lr float64) (loss.Terms, error) {
	t.Net.ZeroGrad()
	raw, err := t.Net.Forward(x, true)
	if err != nil {
		return loss.Terms{}, err
	}
	rawData := make([][]float32, len(raw))
	grad := make([]*mat.Tensor, len(raw))
	gradData := make([][]float32, len(raw))
	for i, r := range raw {
		rawData[i] = r.Data
		grad[i] = mat.New(r.Shape...)
		gradData[i] = grad[i].Data
	}
	// The outputs are checked even when the loss is finite: a NaN in a
	// slot the loss ignores (the ignore mask compares NaN as false) would
	// otherwise go unnoticed until it reached the weights.
	for i, r := range rawData {
		if err := checkSlice(k, fmt.Sprintf("raw output of head %d (stride %d)", i, t.Loss.Strides[i]), r); err != nil {
			return loss.Terms{}, err
		}
	}
	res, err := loss.Compute(&t.Loss, rawData, targets, gradData)
	if err != nil {
		return loss.Terms{}, err
	}
	if err := checkTerms(k, res.Terms.GIoU, res.Terms.Conf, res.Terms.Prob); err != nil {
		return loss.Terms{}, err
	}
	for i, g := range gradData {
		if err := checkSlice(k, fmt.Sprintf("loss gradient of head %d (stride %d)", i, t.Loss.Strides[i]), g); err != nil {
			return loss.Terms{}, err
		}
	}
	if err := t.Net.Backward(grad); err != nil {
		return loss.Terms{}, err
	}
	if err := checkGrads(k, t.params); err != nil {
		return loss.Terms{}, err
	}
	t.Adam.Step(t.params, lr)
	return res.Terms, nil
}

// validate returns the validation loss: the loss terms of every validation
// image in evaluation mode (BN running statistics, no augmentation), averaged
// over images. (The seed averages over batches of a shuffled list whose
// last batch is topped up from the start, which counts a few images twice;
// the image mean does not depend on the batch size.) nil if there is no
// validation set.
func (t *Trainer) validate(ctx context.Context) (*Record, error) {
	if t.Val == nil || t.Val.Len() == 0 {
		return nil, nil
	}
	t0 := time.Now()
	n, bs := t.Val.Len(), t.Cfg.Batch
	var order [][]int
	for lo := 0; lo < n; lo += bs {
		b := make([]int, 0, bs)
		for i := lo; i < min(lo+bs, n); i++ {
			b = append(b, i)
		}
		order = append(order, b)
	}
	prepare := func(i int, r *rand.Rand) (Example, error) { return t.Val.Prepare(i, &t.Loss, nil, r) }
	loader := NewLoader(ctx, order, 0, 0, prepare, t.Cfg.Workers, 2)
	defer loader.Close()
	s := t.Cfg.Size
	var sum loss.Terms
	for range order {
		batch, err := loader.Next(ctx)
		if err != nil {
			return nil, err
		}
		x := mat.New(len(batch), 3, s, s)
		targets := make([]*loss.Targets, len(batch))
		for k, ex := range batch {
			copy(x.Data[k*3*s*s:], ex.Image)
			targets[k] = ex.Targets
		}
		raw, err := t.Net.Forward(x, false)
		if err != nil {
			return nil, err
		}
		rawData := make([][]float32, len(raw))
		for i, r := range raw {
			rawData[i] = r.Data
		}
		res, err := loss.Compute(&t.Loss, rawData, targets, nil)
		if err != nil {
			return nil, err
		}
		w := float64(len(batch))
		sum.GIoU += res.Terms.GIoU * w
		sum.Conf += res.Terms.Conf * w
		sum.Prob += res.Terms.Prob * w
	}
	t.Progress.ObserveVal(time.Since(t0))
	m := 1 / float64(n)
	rec := &Record{Phase: "val", Epoch: t.State.Epoch, Step: t.State.Step,
		GIoU: sum.GIoU * m, Conf: sum.Conf * m, Prob: sum.Prob * m}
	rec.Total = rec.GIoU + rec.Conf + rec.Prob
	if err := checkTerms(t.State.Step, rec.GIoU, rec.Conf, rec.Prob); err != nil {
		err.(*NonFiniteError).Where = "validation " + err.(*NonFiniteError).Where
		return nil, err
	}
	if t.Log != nil {
		if err := t.Log.Log(*rec); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// save writes checkpoint name in Cfg.Out.
func (t *Trainer) save(name string) error {
	st := t.State
	if err := SaveCheckpoint(t.Cfg.Out, name, t.Net.WriteWeights, &st, t.params, t.Adam); err != nil {
		return err
	}
	t.State.WeightsSHA256, t.State.Params = st.WeightsSHA256, st.Params
	return nil
}
