package train

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Checkpoints. A checkpoint named NAME in directory DIR is two files:
//
//	DIR/NAME.weights   the model, darknet format (yolo.Model.WriteWeights),
//	                   including the BN running statistics
//	DIR/NAME.state     everything else needed to continue exactly
//
// The state file is binary, little-endian:
//
//	8 bytes   magic "DGTRAIN\x00"
//	uint32    format version (1)
//	uint32    n, the length of the JSON header (≤ 1 MiB)
//	n bytes   JSON: State (step, epoch, RNG, best loss, configuration,
//	          the SHA-256 of the paired .weights file, parameter sizes)
//	for each parameter i, in State.Params order:
//	          Adam m_i, then Adam v_i, Params[i].Len float32 each
//	uint32    CRC-32C (Castagnoli) of every preceding byte
//
// Each file is written atomically (temporary file in the same directory,
// fsync, rename, fsync of the directory), weights first. A crash between the
// two renames leaves a new .weights next to the old .state; the SHA-256
// recorded in the state file detects the mismatch on resume instead of
// silently mixing the two.

const (
	stateMagic     = "DGTRAIN\x00"
	stateVersion   = 1
	maxStateHeader = 1 << 20
)

// State is the training state saved next to the weights.
type State struct {
	// Step is the number of updates applied so far (Adam's t). The next
	// update is Step+1 and uses Schedule.LR(Step+1).
	Step int64
	// Epoch is the epoch in progress (0-based) and Batch the number of its
	// batches already trained on. A state saved at the end of an epoch has
	// Epoch+1 and Batch 0.
	Epoch, Batch int
	// RNG is the marshalled PCG of the data order as it was at the start of
	// Epoch, before the epoch's permutation and augmentation seed were
	// drawn from it, so a resume replays the epoch's draws and skips Batch
	// batches.
	RNG []byte
	// BestVal is the lowest validation total so far (the seed starts at
	// 1000; we start at +Inf, stored as null in JSON) and BestEpoch its
	// epoch (−1 if none).
	BestVal   float64 `json:"-"`
	BestEpoch int
	Config    Config
	// WeightsSHA256 is the hex SHA-256 of the paired .weights file.
	WeightsSHA256 string
	Params        []ParamInfo
}

// ParamInfo names a parameter tensor and its size, so a state file can be
// checked against the model before its moments are read.
type ParamInfo struct {
	Name string
	Len  int
}

// stateJSON carries BestVal through JSON, which has no +Inf.
type stateJSON struct {
	State
	BestVal *float64
}

// WriteFileAtomic writes path through write: the bytes go to a temporary
// file in the same directory, which is synced, closed and renamed over
// path; then the directory is synced. Either the old or the new file exists
// at path whatever happens.
func WriteFileAtomic(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return fmt.Errorf("train: writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("train: writing %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		return fmt.Errorf("train: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: not every file system supports it
		d.Close()
	}
	return nil
}

// SaveCheckpoint writes DIR/NAME.weights with writeWeights and then
// DIR/NAME.state with st and the moments of adam, both atomically. It fills
// st.WeightsSHA256 and st.Params (from params).
func SaveCheckpoint(dir, name string, writeWeights func(io.Writer) error, st *State, params []Param, adam *Adam) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	h := sha256.New()
	err := WriteFileAtomic(filepath.Join(dir, name+".weights"), func(w io.Writer) error {
		return writeWeights(io.MultiWriter(w, h))
	})
	if err != nil {
		return err
	}
	st.WeightsSHA256 = hex.EncodeToString(h.Sum(nil))
	st.Params = make([]ParamInfo, len(params))
	for i, p := range params {
		st.Params[i] = ParamInfo{p.Name, p.Value.Len()}
	}
	return WriteFileAtomic(filepath.Join(dir, name+".state"), func(w io.Writer) error {
		return writeState(w, st, adam)
	})
}

func writeState(w io.Writer, st *State, adam *Adam) error {
	if len(adam.M) != len(st.Params) {
		return fmt.Errorf("moments for %d params, state lists %d", len(adam.M), len(st.Params))
	}
	sj := stateJSON{State: *st}
	if !math.IsInf(st.BestVal, 0) && !math.IsNaN(st.BestVal) {
		sj.BestVal = &st.BestVal
	}
	js, err := json.Marshal(sj)
	if err != nil {
		return err
	}
	crc := crc32.New(castagnoli)
	w = io.MultiWriter(w, crc)
	var hdr []byte
	hdr = append(hdr, stateMagic...)
	hdr = binary.LittleEndian.AppendUint32(hdr, stateVersion)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(js)))
	if _, err := w.Write(append(hdr, js...)); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for i := range adam.M {
		for _, s := range [][]float32{adam.M[i], adam.V[i]} {
			for len(s) > 0 {
				n := min(len(s), cap(buf)/4)
				buf = buf[:0]
				for _, x := range s[:n] {
					buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
				}
				if _, err := w.Write(buf); err != nil {
					return err
				}
				s = s[n:]
			}
		}
	}
	return binary.Write(w, binary.LittleEndian, crc.Sum32())
}

// CopyCheckpoint makes checkpoint dst in dir a copy of checkpoint src,
// file by file (weights first) and atomically: a hard link renamed into
// place, so no data is written twice; where hard links are not supported,
// a copy through WriteFileAtomic. Later atomic saves of src replace its
// directory entries, not the shared files, so dst keeps its content.
func CopyCheckpoint(dir, src, dst string) error {
	for _, ext := range []string{".weights", ".state"} {
		from, to := filepath.Join(dir, src+ext), filepath.Join(dir, dst+ext)
		tmp := filepath.Join(dir, "."+dst+ext+".link")
		os.Remove(tmp)
		if err := os.Link(from, tmp); err == nil {
			if err := os.Rename(tmp, to); err != nil {
				os.Remove(tmp)
				return fmt.Errorf("train: checkpoint: %w", err)
			}
			continue
		}
		err := WriteFileAtomic(to, func(w io.Writer) error {
			f, err := os.Open(from)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(w, f)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ErrStateFormat reports a state file that is not one or is damaged.
var ErrStateFormat = errors.New("train: state file")

// LoadState reads DIR/NAME.state, checks it against DIR/NAME.weights (by
// SHA-256) and returns the state and an Adam holding its moments (with the
// Keras defaults and T = Step).
func LoadState(dir, name string) (*State, *Adam, error) {
	path := filepath.Join(dir, name+".state")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("train: %w", err)
	}
	st, adam, err := parseState(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%w %s: %v", ErrStateFormat, path, err)
	}
	wpath := filepath.Join(dir, name+".weights")
	wf, err := os.Open(wpath)
	if err != nil {
		return nil, nil, fmt.Errorf("train: %w", err)
	}
	defer wf.Close()
	h := sha256.New()
	if _, err := io.Copy(h, wf); err != nil {
		return nil, nil, fmt.Errorf("train: %s: %w", wpath, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != st.WeightsSHA256 {
		return nil, nil, fmt.Errorf("%w %s: %s is not the weights file it was saved with (sha256 %s, want %s); the checkpoint was torn",
			ErrStateFormat, path, wpath, got[:12], st.WeightsSHA256[:min(12, len(st.WeightsSHA256))])
	}
	return st, adam, nil
}

func parseState(data []byte) (*State, *Adam, error) {
	if len(data) < 20 || string(data[:8]) != stateMagic {
		return nil, nil, errors.New("bad magic")
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != stateVersion {
		return nil, nil, fmt.Errorf("version %d, want %d", v, stateVersion)
	}
	body, tail := data[:len(data)-4], data[len(data)-4:]
	if got, want := crc32.Checksum(body, castagnoli), binary.LittleEndian.Uint32(tail); got != want {
		return nil, nil, fmt.Errorf("checksum %08x, want %08x", got, want)
	}
	n := int64(binary.LittleEndian.Uint32(data[12:]))
	if n > maxStateHeader || 16+n > int64(len(body)) {
		return nil, nil, fmt.Errorf("header of %d bytes", n)
	}
	var sj stateJSON
	dec := json.NewDecoder(bytes.NewReader(body[16 : 16+n]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sj); err != nil {
		return nil, nil, fmt.Errorf("header: %v", err)
	}
	st := sj.State
	st.BestVal = math.Inf(1)
	if sj.BestVal != nil {
		st.BestVal = *sj.BestVal
	}
	rest := body[16+n:]
	var total int64
	for _, p := range st.Params {
		if p.Len < 0 {
			return nil, nil, fmt.Errorf("param %s of length %d", p.Name, p.Len)
		}
		total += 8 * int64(p.Len)
	}
	if total != int64(len(rest)) {
		return nil, nil, fmt.Errorf("%d bytes of moments, want %d for the %d params listed", len(rest), total, len(st.Params))
	}
	adam := &Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, T: st.Step}
	adam.M = make([][]float32, len(st.Params))
	adam.V = make([][]float32, len(st.Params))
	for i, p := range st.Params {
		for _, dst := range []*[]float32{&adam.M[i], &adam.V[i]} {
			s := make([]float32, p.Len)
			for j := range s {
				s[j] = math.Float32frombits(binary.LittleEndian.Uint32(rest[4*j:]))
			}
			rest = rest[4*p.Len:]
			*dst = s
		}
	}
	return &st, adam, nil
}

// CheckParams reports whether the state's parameter list matches params.
func (st *State) CheckParams(params []Param) error {
	if len(st.Params) != len(params) {
		return fmt.Errorf("train: state has %d parameter tensors, the model %d", len(st.Params), len(params))
	}
	for i, p := range params {
		if st.Params[i].Len != p.Value.Len() || st.Params[i].Name != p.Name {
			return fmt.Errorf("train: state parameter %d is %s (%d values), the model's is %s (%d)",
				i, st.Params[i].Name, st.Params[i].Len, p.Name, p.Value.Len())
		}
	}
	return nil
}
