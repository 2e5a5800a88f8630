package yolo

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
)

// A darknet .weights file (little-endian) is a header followed by float32
// arrays, per conv in network order (SPEC §3):
//
//	int32 major, minor, revision
//	seen: uint64 if major·10 + minor ≥ 2, else uint32    (header: 20 or 16 bytes)
//	conv 0: β[Cout] γ[Cout] mean[Cout] var[Cout] W[Cout][Cin][k][k]   (BN conv)
//	...
//	head conv: bias[Cout] W[Cout][Cin][k][k]                           (linear conv)
//	...                                                                (nothing after the last conv)

// Header is the start of a .weights file.
type Header struct {
	Major, Minor, Revision int32
	Seen                   uint64 // images seen in training; stored in 8 bytes from version 0.2, 4 before
}

// DefaultHeader is what darknet writes today: version 0.2.0, 64-bit seen.
func DefaultHeader() Header { return Header{Major: 0, Minor: 2} }

// Wide reports whether seen is stored as 64 bits (version ≥ 0.2).
func (h Header) Wide() bool { return h.Major*10+h.Minor >= 2 }

// Len is the header length in bytes: 20, or 16 before version 0.2.
func (h Header) Len() int64 {
	if h.Wide() {
		return 20
	}
	return 16
}

// FormatError reports a .weights file that does not fit the model.
type FormatError string

func (e FormatError) Error() string { return "yolo: weights: " + string(e) }

func formatErr(format string, args ...any) error { return FormatError(fmt.Sprintf(format, args...)) }

// LoadWeights reads a .weights file into m (see ReadWeights).
func (m *Model) LoadWeights(path string) (Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, fmt.Errorf("yolo: weights: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Header{}, fmt.Errorf("yolo: weights: %w", err)
	}
	h, err := m.ReadWeights(f, st.Size())
	if err != nil {
		return h, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// ReadWeights reads a darknet .weights stream into m's parameters and returns
// its header. size is the stream's length in bytes, or −1 if unknown; when
// known, a size that does not fit m is reported before any parameter is
// touched, naming the model the size would fit. The stream must end exactly
// after the last conv. On error m may be partly overwritten.
func (m *Model) ReadWeights(r io.Reader, size int64) (Header, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var raw [12]byte
	if _, err := io.ReadFull(br, raw[:]); err != nil {
		return Header{}, readErr("header", err)
	}
	h := Header{
		Major:    int32(binary.LittleEndian.Uint32(raw[0:])),
		Minor:    int32(binary.LittleEndian.Uint32(raw[4:])),
		Revision: int32(binary.LittleEndian.Uint32(raw[8:])),
	}
	if h.Major < 0 || h.Major >= 1000 || h.Minor < 0 || h.Minor >= 1000 || h.Revision < 0 {
		return h, formatErr("bad header: version %d.%d.%d is not a darknet weights version", h.Major, h.Minor, h.Revision)
	}
	if h.Wide() {
		var s [8]byte
		if _, err := io.ReadFull(br, s[:]); err != nil {
			return h, readErr("header", err)
		}
		h.Seen = binary.LittleEndian.Uint64(s[:])
	} else {
		var s [4]byte
		if _, err := io.ReadFull(br, s[:]); err != nil {
			return h, readErr("header", err)
		}
		h.Seen = uint64(binary.LittleEndian.Uint32(s[:]))
	}
	want := m.Arch.Counts().Total
	if size >= 0 {
		payload := size - h.Len()
		if payload%4 != 0 {
			return h, formatErr("%s with %d classes needs %s floats after the %d-byte header, the file holds %s bytes, not a whole number of floats",
				m.Arch.Name, m.Arch.Classes, commas(want), h.Len(), commas(payload))
		}
		if got := payload / 4; got != want {
			return h, formatErr("%s with %d classes needs %s floats, the file holds %s (%s)",
				m.Arch.Name, m.Arch.Classes, commas(want), commas(got), describeFloats(got))
		}
	}
	buf := make([]byte, 1<<16)
	read := func(t []float32, what string, conv int) error {
		for len(t) > 0 {
			n := min(len(t), len(buf)/4)
			if _, err := io.ReadFull(br, buf[:4*n]); err != nil {
				return readErr(fmt.Sprintf("conv %d %s", conv, what), err)
			}
			for i := range n {
				t[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
			}
			t = t[n:]
		}
		return nil
	}
	for i := range m.Convs {
		c := &m.Convs[i]
		if c.BN() {
			for _, p := range []struct {
				what string
				t    []float32
			}{{"beta", c.Bias.Data}, {"gamma", c.Gamma.Data}, {"mean", c.Mean.Data}, {"variance", c.Var.Data}} {
				if err := read(p.t, p.what, i); err != nil {
					return h, err
				}
			}
		} else if err := read(c.Bias.Data, "bias", i); err != nil {
			return h, err
		}
		if err := read(c.W.Data, "kernel", i); err != nil {
			return h, err
		}
	}
	var extra int64
	for {
		n, err := br.Read(buf)
		extra += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return h, fmt.Errorf("yolo: weights: %w", err)
		}
	}
	if extra > 0 {
		return h, formatErr("%s bytes left after the last conv of %s with %d classes (%s floats)",
			commas(extra), m.Arch.Name, m.Arch.Classes, commas(want))
	}
	return h, nil
}

func readErr(where string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatErr("file truncated in %s", where)
	}
	return fmt.Errorf("yolo: weights: reading %s: %w", where, err)
}

// WriteWeights writes m's parameters as a darknet .weights stream with the
// given header (DefaultHeader() for a new file). Reading and writing again is
// byte-identical.
func (m *Model) WriteWeights(w io.Writer, h Header) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var hdr [20]byte
	binary.LittleEndian.PutUint32(hdr[0:], uint32(h.Major))
	binary.LittleEndian.PutUint32(hdr[4:], uint32(h.Minor))
	binary.LittleEndian.PutUint32(hdr[8:], uint32(h.Revision))
	if h.Wide() {
		binary.LittleEndian.PutUint64(hdr[12:], h.Seen)
	} else {
		binary.LittleEndian.PutUint32(hdr[12:], uint32(h.Seen))
	}
	if _, err := bw.Write(hdr[:h.Len()]); err != nil {
		return fmt.Errorf("yolo: weights: %w", err)
	}
	buf := make([]byte, 1<<16)
	put := func(t []float32) error {
		for len(t) > 0 {
			n := min(len(t), len(buf)/4)
			for i, v := range t[:n] {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
			if _, err := bw.Write(buf[:4*n]); err != nil {
				return fmt.Errorf("yolo: weights: %w", err)
			}
			t = t[n:]
		}
		return nil
	}
	for i := range m.Convs {
		c := &m.Convs[i]
		arrays := [][]float32{c.Bias.Data}
		if c.BN() {
			arrays = append(arrays, c.Gamma.Data, c.Mean.Data, c.Var.Data)
		}
		arrays = append(arrays, c.W.Data)
		for _, t := range arrays {
			if err := put(t); err != nil {
				return err
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("yolo: weights: %w", err)
	}
	return nil
}

// SaveWeights writes m to path (see WriteWeights), via a temporary file
// renamed into place so a crash never leaves a half-written checkpoint.
func (m *Model) SaveWeights(path string, h Header) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("yolo: weights: %w", err)
	}
	if err := m.WriteWeights(f, h); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("yolo: weights: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("yolo: weights: %w", err)
	}
	return nil
}

// ClassesForFloats returns the class count K for which the named model has
// exactly floats parameters, or 0 if there is none.
func ClassesForFloats(name string, floats int64) int {
	a1, err := NewArch(name, 1)
	if err != nil {
		return 0
	}
	f1 := a1.Counts().Total
	d := MustArch(name, 2).Counts().Total - f1 // floats per extra class
	if floats < f1 || (floats-f1)%d != 0 {
		return 0
	}
	k := (floats-f1)/d + 1
	if k > math.MaxInt32 {
		return 0
	}
	return int(k)
}

// ClassesForFile returns the header of the .weights file at path and the
// class count it holds for the named model, or an error that says what the
// file is instead.
func ClassesForFile(name, path string) (int, Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, Header{}, fmt.Errorf("yolo: weights: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, Header{}, fmt.Errorf("yolo: weights: %w", err)
	}
	var raw [12]byte
	if _, err := io.ReadFull(f, raw[:]); err != nil {
		return 0, Header{}, fmt.Errorf("%s: %w", path, readErr("header", err))
	}
	h := Header{Major: int32(binary.LittleEndian.Uint32(raw[0:])), Minor: int32(binary.LittleEndian.Uint32(raw[4:]))}
	payload := st.Size() - h.Len()
	if payload < 0 || payload%4 != 0 {
		return 0, h, fmt.Errorf("%s: %w", path, formatErr("%s bytes is not a header plus whole float32s", commas(st.Size())))
	}
	k := ClassesForFloats(name, payload/4)
	if k == 0 {
		return 0, h, fmt.Errorf("%s: %w", path, formatErr("not a %s file for any class count: it holds %s floats (%s)",
			name, commas(payload/4), describeFloats(payload/4)))
	}
	return k, h, nil
}

// describeFloats names the models a payload of n floats fits.
func describeFloats(n int64) string {
	for _, name := range Models() {
		if k := ClassesForFloats(name, n); k > 0 {
			return fmt.Sprintf("that is %s with %d classes", name, k)
		}
	}
	return "that is no yolov3 or yolov3-tiny model"
}

// commas formats n with thousands separators: 62001757 → "62,001,757".
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// TransferFrom copies every conv of src whose parameter shapes match m's
// (SPEC §8.2): with a different class count, all but the linear head convs.
// It returns the number of floats copied and the indices of the convs
// skipped. Both models must be the same architecture.
func (m *Model) TransferFrom(src *Model) (copied int64, skipped []int, err error) {
	if src.Arch.Name != m.Arch.Name || len(src.Convs) != len(m.Convs) {
		return 0, nil, fmt.Errorf("yolo: transfer: cannot copy %s into %s", src.Arch.Name, m.Arch.Name)
	}
	for i := range m.Convs {
		d, s := &m.Convs[i], &src.Convs[i]
		if !d.W.SameShape(s.W) || !d.Bias.SameShape(s.Bias) || d.BN() != s.BN() {
			skipped = append(skipped, i)
			continue
		}
		pairs := [][2][]float32{{d.W.Data, s.W.Data}, {d.Bias.Data, s.Bias.Data}}
		if d.BN() {
			pairs = append(pairs, [2][]float32{d.Gamma.Data, s.Gamma.Data},
				[2][]float32{d.Mean.Data, s.Mean.Data}, [2][]float32{d.Var.Data, s.Var.Data})
		}
		for _, p := range pairs {
			copied += int64(copy(p[0], p[1]))
		}
	}
	return copied, skipped, nil
}

// LoadTransfer loads a .weights file of the same architecture but any class
// count (e.g. COCO's 80) and copies into m every conv whose shapes match.
func (m *Model) LoadTransfer(path string) (copied int64, skipped []int, err error) {
	k, _, err := ClassesForFile(m.Arch.Name, path)
	if err != nil {
		return 0, nil, err
	}
	src := m
	if k != m.Arch.Classes {
		a, err := NewArch(m.Arch.Name, k)
		if err != nil {
			return 0, nil, err
		}
		src = NewModel(a)
	}
	if _, err := src.LoadWeights(path); err != nil {
		return 0, nil, err
	}
	if src == m {
		return m.Arch.Counts().Total, nil, nil
	}
	return m.TransferFrom(src)
}
