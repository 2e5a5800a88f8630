package train

import (
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"darkgo/mat"
)

func TestCheckpointRoundTrip(t *testing.T) {
	dir := t.TempDir()
	params := []Param{
		{Name: "conv_0/kernel", Value: mat.New(2, 3), Grad: mat.New(2, 3)},
		{Name: "conv_0/gamma", Value: mat.New(5), Grad: mat.New(5)},
	}
	adam := NewAdam(params, 1)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range params {
		for j := range params[i].Grad.Data {
			params[i].Grad.Data[j] = float32(r.NormFloat64())
		}
	}
	adam.Step(params, 1e-3)
	adam.V[1][2] = float32(math.Inf(1)) // odd values survive bit for bit
	pcg := rand.NewPCG(11, 12)
	pcg.Uint64()
	rng, err := pcg.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Train, cfg.Names = "a.txt", "n.names"
	st := &State{Step: 1, Epoch: 2, Batch: 3, RNG: rng, BestVal: math.Inf(1), BestEpoch: -1, Config: cfg}
	weights := []byte("pretend darknet weights")
	write := func(w io.Writer) error { _, err := w.Write(weights); return err }
	if err := SaveCheckpoint(dir, "last", write, st, params, adam); err != nil {
		t.Fatal(err)
	}
	st2, adam2, err := LoadState(dir, "last")
	if err != nil {
		t.Fatal(err)
	}
	if st2.Step != 1 || st2.Epoch != 2 || st2.Batch != 3 || !math.IsInf(st2.BestVal, 1) || st2.BestEpoch != -1 ||
		st2.Config.Train != "a.txt" || st2.Config.Size != 416 || adam2.T != 1 {
		t.Fatalf("state round trip: %+v", st2)
	}
	if err := st2.CheckParams(params); err != nil {
		t.Fatal(err)
	}
	for i := range adam.M {
		for j := range adam.M[i] {
			if math.Float32bits(adam.M[i][j]) != math.Float32bits(adam2.M[i][j]) ||
				math.Float32bits(adam.V[i][j]) != math.Float32bits(adam2.V[i][j]) {
				t.Fatalf("moment %d[%d] changed", i, j)
			}
		}
	}
	pcg2 := new(rand.PCG)
	if err := pcg2.UnmarshalBinary(st2.RNG); err != nil {
		t.Fatal(err)
	}
	if pcg2.Uint64() != pcg.Uint64() {
		t.Fatal("RNG state not restored")
	}
	// A finite best loss survives too.
	st.BestVal, st.BestEpoch = 12.5, 4
	if err := SaveCheckpoint(dir, "best", write, st, params, adam); err != nil {
		t.Fatal(err)
	}
	if st3, _, err := LoadState(dir, "best"); err != nil || st3.BestVal != 12.5 || st3.BestEpoch != 4 {
		t.Fatalf("best: %v %+v", err, st3)
	}
	// No temporary files are left behind.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), "tmp") {
			t.Errorf("left over: %s", e.Name())
		}
	}

	// A different weights file next to the state is detected.
	if err := os.WriteFile(filepath.Join(dir, "last.weights"), []byte("other"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadState(dir, "last"); !errors.Is(err, ErrStateFormat) || !strings.Contains(err.Error(), "torn") {
		t.Fatalf("torn checkpoint: got %v", err)
	}
	// A flipped byte in the state is detected.
	path := filepath.Join(dir, "best.state")
	data, _ := os.ReadFile(path)
	data[len(data)-9] ^= 1
	os.WriteFile(path, data, 0o644)
	if _, _, err := LoadState(dir, "best"); !errors.Is(err, ErrStateFormat) || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("corrupt state: got %v", err)
	}
	// A model with other parameters is refused.
	if err := st2.CheckParams(params[:1]); err == nil {
		t.Fatal("CheckParams accepted a different model")
	}
}

// TestWriteFileAtomicFailure: a failing writer leaves the old file intact
// and no temporary file.
func TestWriteFileAtomicFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFileAtomic(path, func(w io.Writer) error {
		w.Write([]byte("partial new content"))
		return errors.New("disk on fire")
	})
	if err == nil {
		t.Fatal("no error")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("old file now %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d files left, want 1", len(ents))
	}
}

// TestCopyCheckpoint: the copy has the source's content and keeps it when
// the source is saved again.
func TestCopyCheckpoint(t *testing.T) {
	dir := t.TempDir()
	params := []Param{{Name: "w", Value: mat.New(3), Grad: mat.New(3)}}
	adam := NewAdam(params, 1)
	save := func(content string, step int64) {
		st := &State{Step: step, BestVal: math.Inf(1), RNG: []byte{1}}
		if err := SaveCheckpoint(dir, "last", func(w io.Writer) error { _, err := io.WriteString(w, content); return err }, st, params, adam); err != nil {
			t.Fatal(err)
		}
	}
	save("first", 1)
	if err := CopyCheckpoint(dir, "last", "best"); err != nil {
		t.Fatal(err)
	}
	save("second", 2)
	st, _, err := LoadState(dir, "best")
	if err != nil || st.Step != 1 {
		t.Fatalf("best: %v, %+v", err, st)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "best.weights")); string(b) != "first" {
		t.Fatalf("best.weights now %q", b)
	}
	if st, _, err := LoadState(dir, "last"); err != nil || st.Step != 2 {
		t.Fatalf("last: %v, %+v", err, st)
	}
}
