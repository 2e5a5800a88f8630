package yolo

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"darkgo/mat"
)

// NumPy .npy files (format 1.0 and 2.0) hold the raw head outputs that
// "yolo infer" exchanges with other implementations:
//
//	"\x93NUMPY" major minor  header_len (uint16 LE; uint32 LE in 2.0)
//	"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 21, 3, 5), }" padded with spaces and '\n'
//	float32 little-endian data, C order
//
// Only little-endian float32 in C order is supported.

const npyMagic = "\x93NUMPY"

// ReadNPY reads a float32 C-order .npy array.
func ReadNPY(r io.Reader) (*mat.Tensor, error) {
	br := bufio.NewReader(r)
	var pre [8]byte
	if _, err := io.ReadFull(br, pre[:]); err != nil {
		return nil, fmt.Errorf("yolo: npy: reading magic: %w", err)
	}
	if string(pre[:6]) != npyMagic {
		return nil, fmt.Errorf("yolo: npy: not a .npy file (bad magic)")
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, fmt.Errorf("yolo: npy: reading header: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, fmt.Errorf("yolo: npy: reading header: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
		if hlen > 1<<20 {
			return nil, fmt.Errorf("yolo: npy: header of %d bytes is implausible", hlen)
		}
	default:
		return nil, fmt.Errorf("yolo: npy: unsupported format version %d.%d", pre[6], pre[7])
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, fmt.Errorf("yolo: npy: reading header: %w", err)
	}
	descr, fortran, shape, err := parseNPYHeader(string(hdr))
	if err != nil {
		return nil, err
	}
	if descr != "<f4" && descr != "=f4" && descr != "f4" {
		return nil, fmt.Errorf("yolo: npy: dtype %q, want float32 '<f4'", descr)
	}
	if fortran {
		return nil, fmt.Errorf("yolo: npy: Fortran-order arrays are not supported")
	}
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > (1<<31)/d) {
			return nil, fmt.Errorf("yolo: npy: shape %v is too large", shape)
		}
		n *= d
	}
	// Grow with the data actually read, so a lying header cannot make us
	// allocate gigabytes for a short file.
	data := make([]float32, 0, min(n, 1<<20))
	buf := make([]byte, 1<<16)
	for len(data) < n {
		k := min(n-len(data), len(buf)/4)
		if _, err := io.ReadFull(br, buf[:4*k]); err != nil {
			return nil, fmt.Errorf("yolo: npy: data truncated: shape %v needs %d bytes: %w", shape, 4*n, err)
		}
		for i := range k {
			data = append(data, math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:])))
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, fmt.Errorf("yolo: npy: data longer than shape %v", shape)
	}
	return mat.FromData(data, shape...), nil
}

// parseNPYHeader reads the Python dict literal of an .npy header.
func parseNPYHeader(h string) (descr string, fortran bool, shape []int, err error) {
	bad := func(what string) error { return fmt.Errorf("yolo: npy: bad header %q: %s", strings.TrimSpace(h), what) }
	field := func(key string) (string, bool) {
		i := strings.Index(h, "'"+key+"'")
		if i < 0 {
			return "", false
		}
		rest := strings.TrimLeft(h[i+len(key)+2:], " ")
		if !strings.HasPrefix(rest, ":") {
			return "", false
		}
		return strings.TrimLeft(rest[1:], " "), true
	}
	v, ok := field("descr")
	if !ok || len(v) < 2 || v[0] != '\'' {
		return "", false, nil, bad("no descr")
	}
	end := strings.IndexByte(v[1:], '\'')
	if end < 0 {
		return "", false, nil, bad("descr")
	}
	descr = v[1 : 1+end]
	v, ok = field("fortran_order")
	if !ok {
		return "", false, nil, bad("no fortran_order")
	}
	fortran = strings.HasPrefix(v, "True")
	v, ok = field("shape")
	if !ok || !strings.HasPrefix(v, "(") {
		return "", false, nil, bad("no shape")
	}
	end = strings.IndexByte(v, ')')
	if end < 0 {
		return "", false, nil, bad("shape")
	}
	for _, s := range strings.Split(v[1:end], ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		d, err := strconv.Atoi(strings.TrimSuffix(s, "L"))
		if err != nil || d < 0 {
			return "", false, nil, bad("shape entry " + s)
		}
		shape = append(shape, d)
	}
	return descr, fortran, shape, nil
}

// WriteNPY writes t as a float32 little-endian C-order .npy (format 1.0).
func WriteNPY(w io.Writer, t *mat.Tensor) error {
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shape)
	// Pad so that magic + lengths + header is a multiple of 64, ending in '\n'.
	total := len(npyMagic) + 2 + 2 + len(dict) + 1
	pad := (64 - total%64) % 64
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	bw := bufio.NewWriter(w)
	bw.WriteString(npyMagic)
	bw.Write([]byte{1, 0})
	binary.Write(bw, binary.LittleEndian, uint16(len(hdr)))
	bw.WriteString(hdr)
	var b [4]byte
	for _, v := range t.Data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		bw.Write(b[:])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("yolo: npy: %w", err)
	}
	return nil
}

// LoadNPY reads a .npy file (see ReadNPY).
func LoadNPY(path string) (*mat.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("yolo: npy: %w", err)
	}
	defer f.Close()
	t, err := ReadNPY(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// SaveNPY writes t to a .npy file (see WriteNPY).
func SaveNPY(path string, t *mat.Tensor) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("yolo: npy: %w", err)
	}
	if err := WriteNPY(f, t); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("yolo: npy: %w", err)
	}
	return nil
}
