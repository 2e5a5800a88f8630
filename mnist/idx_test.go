package mnist

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"
)

// idxBytes builds a raw IDX file of unsigned bytes.
func idxBytes(dims []uint32, data []byte) []byte {
	b := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	return append(b, data...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestReadIDX(t *testing.T) {
	raw := idxBytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	for name, in := range map[string][]byte{"raw": raw, "gzip": gz(raw)} {
		x, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(x.Dims) != 2 || x.Dims[0] != 2 || x.Dims[1] != 3 || !bytes.Equal(x.Data, []byte{1, 2, 3, 4, 5, 6}) {
			t.Errorf("%s: got %v %v", name, x.Dims, x.Data)
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "truncated in the magic"},
		{"short magic", []byte{0, 0}, "truncated in the magic"},
		{"foreign", []byte("\x89PNG\r\n\x1a\n"), "bad magic"},
		{"zero dims", []byte{0, 0, 8, 0}, "zero dimensions"},
		{"short dims", []byte{0, 0, 8, 2, 0, 0, 0, 1, 0}, "truncated in the dimensions"},
		{"zero size", idxBytes([]uint32{0}, nil), "dimension 0 is zero"},
		{"huge", idxBytes([]uint32{1 << 20, 1 << 20}, nil), "exceed"},
		{"truncated data", idxBytes([]uint32{10}, []byte{1, 2, 3}), "need 10 data bytes, got 3"},
		{"trailing", idxBytes([]uint32{2}, []byte{1, 2, 3}), "trailing bytes"},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 0}, "gzip"},
		{"truncated gzip", gz(idxBytes([]uint32{100}, make([]byte, 100)))[:30], "truncated"},
	} {
		_, err := ReadIDX(bytes.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "mnist: idx: ") {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
	// Element type 0x0D (float) is refused.
	in := []byte{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}
	if _, err := ReadIDX(bytes.NewReader(in)); err == nil || !strings.Contains(err.Error(), "element type 0x0d") {
		t.Errorf("float IDX: err = %v", err)
	}
}

func TestNewSetErrors(t *testing.T) {
	im := &IDX{Dims: []int{2, 2, 2}, Data: make([]byte, 8)}
	for _, c := range []struct {
		im, lb *IDX
		want   string
	}{
		{im, &IDX{Dims: []int{3}, Data: []byte{1, 2, 3}}, "2 images but 3 labels"},
		{im, &IDX{Dims: []int{2}, Data: []byte{1, 10}}, "label 1 is 10"},
		{&IDX{Dims: []int{8}, Data: make([]byte, 8)}, &IDX{Dims: []int{8}, Data: make([]byte, 8)}, "want 3"},
		{im, im, "labels have 3 dimensions"},
	} {
		if _, err := NewSet(c.im, c.lb); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
}

// TestEmbedded checks the committed files against the MD5s published with
// them and the known MNIST test-set facts: 10,000 digits of 28×28, the first
// three labels 7, 2, 1, and the class counts.
func TestEmbedded(t *testing.T) {
	for _, c := range []struct {
		data []byte
		md5  string
	}{{t10kImages, "9fb629c4189551a2d022fa330f9573f3"}, {t10kLabels, "ec29112dd5afa0611ce80d1b7f02629c"}} {
		sum := md5.Sum(c.data)
		if got := hex.EncodeToString(sum[:]); got != c.md5 {
			t.Errorf("md5 %s, want %s", got, c.md5)
		}
	}
	s, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 10000 || s.Rows != 28 || s.Cols != 28 {
		t.Fatalf("got %d digits of %d×%d", s.N, s.Rows, s.Cols)
	}
	if s.Labels[0] != 7 || s.Labels[1] != 2 || s.Labels[2] != 1 {
		t.Errorf("first labels %v, want 7 2 1", s.Labels[:3])
	}
	var counts [10]int
	for _, l := range s.Labels {
		counts[l]++
	}
	if counts != [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009} {
		t.Errorf("class counts %v", counts)
	}
	// Digits are ink on black: the corners are background.
	d := s.Digit(0)
	if d[0] != 0 || d[27] != 0 || d[28*28-1] != 0 {
		t.Errorf("corners of digit 0 are not 0")
	}
	tr, te := s.Slice(0, 8000), s.Slice(8000, s.N)
	if tr.N != 8000 || te.N != 2000 || te.Labels[0] != s.Labels[8000] || &te.Digit(0)[0] != &s.Digit(8000)[0] {
		t.Errorf("Slice does not view the right digits")
	}
}

// FuzzReadIDX checks that arbitrary input never panics or over-allocates,
// and that whatever is accepted is self-consistent.
func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(gz(idxBytes([]uint32{1}, []byte{9})))
	f.Add([]byte{0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1})
	f.Add(t10kLabels[:64])
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			return
		}
		n := 1
		for _, d := range x.Dims {
			n *= d
		}
		if n != len(x.Data) {
			t.Fatalf("dims %v but %d bytes", x.Dims, len(x.Data))
		}
	})
}
