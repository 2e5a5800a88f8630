package mnist

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// FormatError reports that the input is not a valid IDX file, in the style
// of image/png.FormatError.
type FormatError string

func (e FormatError) Error() string { return "mnist: idx: " + string(e) }

// maxIDXBytes bounds the payload an IDX header may announce (1 GiB). The
// full MNIST training images are 47 MB.
const maxIDXBytes = 1 << 30

// IDX is one decoded IDX file of unsigned bytes (type code 0x08), the only
// element type MNIST uses.
type IDX struct {
	Dims []int  // e.g. [N, 28, 28] for images, [N] for labels
	Data []byte // row-major, len = product of Dims
}

// ReadIDX decodes an IDX file of unsigned bytes, gzip-compressed or raw (the
// gzip magic 1f 8b is detected). Layout, big-endian:
//
//	0x00 0x00 0x08 ndim | ndim × uint32 sizes | data (product of sizes bytes)
//
// The magic, element type and sizes are checked before any data is read,
// memory grows only as data actually arrives (so a lying header cannot make
// it allocate), and the input must end exactly after the data.
func ReadIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("mnist: idx: gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	var head [4]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return nil, readErr("magic", err)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, FormatError(fmt.Sprintf("bad magic % x (want 00 00 08 nd)", head))
	}
	if head[2] != 0x08 {
		return nil, FormatError(fmt.Sprintf("element type 0x%02x not supported (only 0x08, unsigned byte)", head[2]))
	}
	ndim := int(head[3])
	if ndim == 0 {
		return nil, FormatError("zero dimensions")
	}
	dims := make([]int, ndim)
	total := 1
	for i := range dims {
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, readErr("dimensions", err)
		}
		d := binary.BigEndian.Uint32(b[:])
		if d == 0 {
			return nil, FormatError(fmt.Sprintf("dimension %d is zero", i))
		}
		if uint64(total)*uint64(d) > maxIDXBytes {
			return nil, FormatError(fmt.Sprintf("dimensions %v… exceed %d bytes", dims[:i+1], maxIDXBytes))
		}
		dims[i] = int(d)
		total *= int(d)
	}
	// io.ReadAll grows its buffer as bytes arrive; reading one byte past the
	// payload detects trailing garbage.
	data, err := io.ReadAll(io.LimitReader(br, int64(total)+1))
	if err != nil {
		return nil, readErr("data", err)
	}
	switch {
	case len(data) < total:
		return nil, FormatError(fmt.Sprintf("truncated: dimensions %v need %d data bytes, got %d", dims, total, len(data)))
	case len(data) > total:
		return nil, FormatError(fmt.Sprintf("trailing bytes after %d data bytes", total))
	}
	return &IDX{Dims: dims, Data: data}, nil
}

func readErr(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return FormatError("truncated in the " + what)
	}
	return fmt.Errorf("mnist: idx: reading the %s: %w", what, err)
}

// Set is a labelled set of grey digits, as in the MNIST files: ink is high
// (255) on a black (0) background.
type Set struct {
	N, Rows, Cols int
	Pix           []uint8 // [N, Rows, Cols]
	Labels        []uint8 // [N], 0…9
}

// Digit returns the Rows×Cols pixels of digit i.
func (s *Set) Digit(i int) []uint8 {
	n := s.Rows * s.Cols
	return s.Pix[i*n : (i+1)*n]
}

// Slice returns the digits [lo, hi) sharing s's memory.
func (s *Set) Slice(lo, hi int) *Set {
	n := s.Rows * s.Cols
	return &Set{N: hi - lo, Rows: s.Rows, Cols: s.Cols, Pix: s.Pix[lo*n : hi*n], Labels: s.Labels[lo:hi]}
}

// NewSet checks that an images IDX ([N, rows, cols]) and a labels IDX ([N],
// values 0…9) belong together and returns them as a Set.
func NewSet(images, labels *IDX) (*Set, error) {
	if len(images.Dims) != 3 {
		return nil, FormatError(fmt.Sprintf("images have %d dimensions, want 3 (N, rows, cols)", len(images.Dims)))
	}
	if len(labels.Dims) != 1 {
		return nil, FormatError(fmt.Sprintf("labels have %d dimensions, want 1", len(labels.Dims)))
	}
	if images.Dims[0] != labels.Dims[0] {
		return nil, FormatError(fmt.Sprintf("%d images but %d labels", images.Dims[0], labels.Dims[0]))
	}
	for i, l := range labels.Data {
		if l > 9 {
			return nil, FormatError(fmt.Sprintf("label %d is %d, want 0…9", i, l))
		}
	}
	return &Set{N: images.Dims[0], Rows: images.Dims[1], Cols: images.Dims[2], Pix: images.Data, Labels: labels.Data}, nil
}

// ReadSet reads an images file and a labels file (gzip or raw IDX).
func ReadSet(images, labels io.Reader) (*Set, error) {
	im, err := ReadIDX(images)
	if err != nil {
		return nil, fmt.Errorf("%w (images)", err)
	}
	lb, err := ReadIDX(labels)
	if err != nil {
		return nil, fmt.Errorf("%w (labels)", err)
	}
	return NewSet(im, lb)
}

// readBytesSet is ReadSet on in-memory files.
func readBytesSet(images, labels []byte) (*Set, error) {
	return ReadSet(bytes.NewReader(images), bytes.NewReader(labels))
}
