package yolo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomModel is a tiny model with every parameter drawn at random, so a
// misplaced array shows up in a round trip.
func randomModel(t testing.TB, classes int) *Model {
	m := NewModel(MustArch("yolov3-tiny", classes))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range m.Convs {
		c := &m.Convs[i]
		for _, p := range []*[]float32{&c.W.Data, &c.Bias.Data} {
			for j := range *p {
				(*p)[j] = rng.Float32() - 0.5
			}
		}
		if c.BN() {
			for j := range c.Gamma.Data {
				c.Gamma.Data[j], c.Mean.Data[j], c.Var.Data[j] = rng.Float32(), rng.Float32(), 1+rng.Float32()
			}
		}
	}
	return m
}

func TestWeightsRoundTrip(t *testing.T) {
	m := randomModel(t, 3)
	// DefaultHeader is covered by the golden file digests.
	for _, h := range []Header{{Major: 0, Minor: 1, Revision: 0, Seen: 12345}, {Major: 0, Minor: 2, Revision: 5, Seen: 1 << 40}} {
		want := h.Len() + 4*m.Arch.Counts().Total
		var buf bytes.Buffer
		buf.Grow(int(want))
		if err := m.WriteWeights(&buf, h); err != nil {
			t.Fatal(err)
		}
		if int64(buf.Len()) != want {
			t.Fatalf("header %+v: %d bytes, want %d", h, buf.Len(), want)
		}
		file := buf.Bytes()
		m2 := NewModel(m.Arch)
		for _, size := range []int64{int64(len(file)), -1} {
			h2, err := m2.ReadWeights(bytes.NewReader(file), size)
			if err != nil {
				t.Fatal(err)
			}
			if h2 != h {
				t.Errorf("header %+v read back as %+v", h, h2)
			}
			var again bytes.Buffer
			again.Grow(len(file))
			if err := m2.WriteWeights(&again, h2); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), file) {
				t.Fatalf("header %+v: write → read → write is not byte-identical", h)
			}
		}
		// Spot-check placement: darknet order is β, γ, mean, var, W.
		off := h.Len()
		f := func(i int64) float32 {
			var v float32
			binary.Read(bytes.NewReader(file[off+4*i:]), binary.LittleEndian, &v)
			return v
		}
		c0 := m.Convs[0]
		if f(0) != c0.Bias.Data[0] || f(16) != c0.Gamma.Data[0] || f(32) != c0.Mean.Data[0] || f(48) != c0.Var.Data[0] || f(64) != c0.W.Data[0] {
			t.Error("conv 0 arrays are not in darknet order β, γ, mean, var, W")
		}
	}
}

// TestWeightsErrors feeds wrong files to the reader: each must give an
// error (a FormatError for bad content), never a panic.
func TestWeightsErrors(t *testing.T) {
	m := randomModel(t, 3)
	var buf bytes.Buffer
	if err := m.WriteWeights(&buf, DefaultHeader()); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	m2 := NewModel(m.Arch)
	rng := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 5000)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	badHeader := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(badHeader[0:], 0x7f454c46) // an ELF magic as major
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated in header"},
		{"short header", good[:10], "truncated in header"},
		{"truncated", good[:len(good)-4], "needs 8,680,864 floats, the file holds 8,680,863"},
		{"truncated mid-float", good[:len(good)-3], "not a whole number of floats"},
		{"one float more", append(append([]byte(nil), good...), 0, 0, 0, 0), "holds 8,680,865"},
		{"bad header", badHeader, "bad header"},
		{"random", random, ""},
	}
	for _, c := range cases {
		for _, size := range []int64{int64(len(c.data)), -1} {
			_, err := m2.ReadWeights(bytes.NewReader(c.data), size)
			var fe FormatError
			if err == nil || !errors.As(err, &fe) {
				t.Errorf("%s (size %d): err = %v, want a FormatError", c.name, size, err)
				continue
			}
			if size >= 0 && !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %q does not say %q", c.name, err, c.want)
			}
		}
	}
	// Unknown size: truncation is found while reading, extra bytes at the end.
	_, err := m2.ReadWeights(bytes.NewReader(good[:len(good)-4]), -1)
	if err == nil || !strings.Contains(err.Error(), "truncated in conv 12 kernel") {
		t.Errorf("truncated, unknown size: %v", err)
	}
	_, err = m2.ReadWeights(bytes.NewReader(append(append([]byte(nil), good...), 1, 2, 3)), -1)
	if err == nil || !strings.Contains(err.Error(), "3 bytes left after the last conv") {
		t.Errorf("oversized, unknown size: %v", err)
	}
	// The size check names the model a file fits; no 248 MB file needed.
	coco := DefaultHeader().Len() + 4*62001757
	m10 := &Model{Arch: MustArch("yolov3", 10)} // parameters never touched: the size check comes first
	_, err = m10.ReadWeights(bytes.NewReader(good[:20]), coco)
	want := "yolo: weights: yolov3 with 10 classes needs 61,624,807 floats, the file holds 62,001,757 (that is yolov3 with 80 classes)"
	if err == nil || err.Error() != want {
		t.Errorf("class mismatch:\n got %v\nwant %s", err, want)
	}
	_, err = m10.ReadWeights(bytes.NewReader(good[:20]), int64(len(good)))
	if err == nil || !strings.Contains(err.Error(), "(that is yolov3-tiny with 3 classes)") {
		t.Errorf("tiny file into yolov3: %v", err)
	}
}

func TestCommas(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 62001757: "62,001,757", -1234: "-1,234"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestTransfer loads a 3-class file into a 5-class model: everything but
// the two head convs is copied (SPEC §8.2), the heads keep their values.
func TestTransfer(t *testing.T) {
	src := randomModel(t, 3)
	path := filepath.Join(t.TempDir(), "src.weights")
	if err := src.SaveWeights(path, DefaultHeader()); err != nil {
		t.Fatal(err)
	}
	k, _, err := ClassesForFile("yolov3-tiny", path)
	if err != nil || k != 3 {
		t.Fatalf("ClassesForFile = %d, %v", k, err)
	}
	if _, _, err := ClassesForFile("yolov3", path); err == nil || !strings.Contains(err.Error(), "yolov3-tiny with 3 classes") {
		t.Errorf("ClassesForFile(yolov3, tiny file): %v", err)
	}
	dst := NewModel(MustArch("yolov3-tiny", 5))
	copied, skipped, err := dst.LoadTransfer(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 2 || skipped[0] != 9 || skipped[1] != 12 {
		t.Errorf("skipped %v, want [9 12]", skipped)
	}
	heads := int64(0)
	for _, i := range []int{9, 12} {
		heads += int64(src.Convs[i].W.Len() + src.Convs[i].Bias.Len())
	}
	if want := src.Arch.Counts().Total - heads; copied != want {
		t.Errorf("copied %d floats, want %d", copied, want)
	}
	for i := range dst.Convs {
		d, s := dst.Convs[i], src.Convs[i]
		if i == 9 || i == 12 {
			if d.W.Data[0] != 0 {
				t.Errorf("head conv %d was overwritten", i)
			}
			continue
		}
		if d.W.Data[len(d.W.Data)-1] != s.W.Data[len(s.W.Data)-1] || d.Var.Data[0] != s.Var.Data[0] || d.Bias.Data[0] != s.Bias.Data[0] {
			t.Errorf("conv %d not copied", i)
		}
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Error("SaveWeights left its temporary file")
	}
	if _, err := dst.LoadWeights(filepath.Join(t.TempDir(), "missing.weights")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzReadWeights: no input makes the reader panic or accept a file that
// is not exactly one model's size.
func FuzzReadWeights(f *testing.F) {
	m := NewModel(MustArch("yolov3-tiny", 1))
	var hdr bytes.Buffer
	(&Model{Arch: m.Arch}).writeHeaderOnly(&hdr)
	f.Add(hdr.Bytes())
	f.Add([]byte{0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1, 2, 3, 4})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, size := range []int64{int64(len(data)), -1} {
			if _, err := m.ReadWeights(bytes.NewReader(data), size); err == nil {
				t.Fatalf("accepted a %d-byte file", len(data))
			}
		}
	})
}

// writeHeaderOnly writes a valid header and nothing else.
func (m *Model) writeHeaderOnly(w io.Writer) {
	(&Model{Arch: m.Arch}).WriteWeights(w, DefaultHeader())
}

// TestTransferCOCO: transferring an 80-class yolov3 into a 10-class one
// copies 61,544,032 floats and skips convs 58, 66, 74 (SPEC §13.2).
func TestTransferCOCO(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates two yolov3 models (0.5 GB) in -short mode")
	}
	src := NewModel(MustArch("yolov3", 80))
	dst := NewModel(MustArch("yolov3", 10))
	copied, skipped, err := dst.TransferFrom(src)
	if err != nil {
		t.Fatal(err)
	}
	if copied != 61544032 || len(skipped) != 3 || skipped[0] != 58 || skipped[1] != 66 || skipped[2] != 74 {
		t.Errorf("copied %d, skipped %v; want 61,544,032 and [58 66 74]", copied, skipped)
	}
	if _, _, err := dst.TransferFrom(NewModel(MustArch("yolov3-tiny", 10))); err == nil {
		t.Error("transfer from tiny into yolov3 accepted")
	}
}
