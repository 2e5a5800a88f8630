package dataset

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Box is one annotated object: corner form in pixels of the original image,
// as written in the file (SPEC §6.1; the seed writes xmax = xmin + side, so
// X2 and Y2 may equal the image width and height).
type Box struct {
	X1, Y1, X2, Y2 int
	Class          int
}

// Sample is one line of an annotation file: an image and its boxes (none for
// an image without objects).
type Sample struct {
	Path  string // as written, path parts joined by single spaces
	File  string // Path resolved to an existing file (ReadAnnotations only)
	Line  int    // 1-based line number in the annotation file
	W, H  int    // image size, 0 unless ReadAnnotations read the image header
	Boxes []Box
}

// maxErrors is how many line errors a reader collects before it stops.
const maxErrors = 20

// SplitLine splits one line of the seed's annotation format into the image
// path and the box tokens:
//
//	<path, maybe with spaces> x1,y1,x2,y2,class x1,y1,x2,y2,class …
//
// Tokens are separated by white space. The first token always belongs to
// the path. The first later token that contains a comma and whose first
// comma-separated field parses as a number starts the box list; the
// tokens before it are joined with single spaces to form the path, and every
// token after it is returned as a box token (the caller checks them). This
// is the seed's rule (§6.1 step 2) made stricter: the seed also takes a
// comma-free all-digit token such as "2019" as a box, which breaks paths
// like "photo 2019 a.jpg"; here only tokens with a comma start boxes.
func SplitLine(line string) (path string, boxes []string) {
	tok := strings.Fields(line)
	if len(tok) == 0 {
		return "", nil
	}
	i := 1
	for i < len(tok) && !looksLikeBox(tok[i]) {
		i++
	}
	return strings.Join(tok[:i], " "), tok[i:]
}

func looksLikeBox(t string) bool {
	first, _, ok := strings.Cut(t, ",")
	if !ok {
		return false
	}
	_, err := strconv.ParseFloat(first, 64)
	return err == nil
}

// ParseAnnotations reads an annotation file in the seed's format (SPEC §6.1)
// from r; name is used in error messages. Blank lines are skipped; a line
// with a path and no boxes is an image without objects (the seed drops such
// lines when training; callers decide). Each box must be five integers
// xmin,ymin,xmax,ymax,class with 0 ≤ xmin < xmax, 0 ≤ ymin < ymax and
// class ≥ 0. Errors name the line ("name:12: box 2 …"); up to 20 are
// collected and returned together.
//
// ParseAnnotations checks only the text. ReadAnnotations also checks
// classes against the names and boxes against the images.
func ParseAnnotations(r io.Reader, name string) ([]Sample, error) {
	var (
		samples []Sample
		errs    []error
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for lineNo := 1; sc.Scan(); lineNo++ {
		text := sc.Text()
		if lineNo == 1 {
			text = strings.TrimPrefix(text, "\ufeff") // a UTF-8 byte-order mark
		}
		path, toks := SplitLine(text)
		if path == "" {
			continue
		}
		s := Sample{Path: path, Line: lineNo, Boxes: make([]Box, 0, len(toks))}
		for j, t := range toks {
			b, err := parseBox(t)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: box %d %q: %v", name, lineNo, j+1, t, err))
				continue
			}
			s.Boxes = append(s.Boxes, b)
		}
		samples = append(samples, s)
		if len(errs) >= maxErrors {
			break
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	if len(errs) > 0 {
		return nil, prefixed(errs)
	}
	return samples, nil
}

func parseBox(t string) (Box, error) {
	f := strings.Split(t, ",")
	if len(f) != 5 {
		return Box{}, fmt.Errorf("has %d fields, want 5 (xmin,ymin,xmax,ymax,class)", len(f))
	}
	var v [5]int
	for i, s := range f {
		n, err := strconv.Atoi(s)
		if err != nil {
			return Box{}, fmt.Errorf("field %d (%s) is not an integer", i+1, s)
		}
		v[i] = n
	}
	b := Box{X1: v[0], Y1: v[1], X2: v[2], Y2: v[3], Class: v[4]}
	switch {
	case b.X1 < 0 || b.Y1 < 0:
		return b, errors.New("negative coordinate")
	case b.X1 >= b.X2 || b.Y1 >= b.Y2:
		return b, errors.New("empty or inverted (need xmin < xmax and ymin < ymax)")
	case b.Class < 0:
		return b, errors.New("negative class id")
	}
	return b, nil
}

// Options control what ReadAnnotations checks beyond the text.
type Options struct {
	// NumClasses, if positive, rejects class ids ≥ NumClasses.
	NumClasses int
	// SkipImages skips opening the images: no missing-file check, no size,
	// no bounds check (scoring detections needs no pixels).
	SkipImages bool
}

// ReadAnnotations reads and validates the annotation file at path. Beyond
// ParseAnnotations it checks that class ids are below opt.NumClasses and,
// unless opt.SkipImages, that every image exists and every box lies inside
// it (xmax ≤ width, ymax ≤ height), filling Sample.File, W and H from the
// image header. A relative image path is looked up relative to the
// annotation file's directory first and then to the working directory (the
// seed's only rule). The file is never modified.
func ReadAnnotations(path string, opt Options) ([]Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	samples, err := ParseAnnotations(f, path)
	if err != nil {
		return nil, err
	}
	var errs []error
	for i := range samples {
		if len(errs) >= maxErrors {
			break
		}
		s := &samples[i]
		if opt.NumClasses > 0 {
			for j, b := range s.Boxes {
				if b.Class >= opt.NumClasses {
					errs = append(errs, fmt.Errorf("%s:%d: box %d: class %d but there are %d names", path, s.Line, j+1, b.Class, opt.NumClasses))
				}
			}
		}
		if opt.SkipImages {
			continue
		}
		file, err := ResolveImage(path, s.Path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %v", path, s.Line, err))
			continue
		}
		w, h, err := ImageSize(file)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %v", path, s.Line, err))
			continue
		}
		s.File, s.W, s.H = file, w, h
		for j, b := range s.Boxes {
			if b.X2 > w || b.Y2 > h {
				errs = append(errs, fmt.Errorf("%s:%d: box %d (%d,%d,%d,%d) lies outside the %d×%d image", path, s.Line, j+1, b.X1, b.Y1, b.X2, b.Y2, w, h))
			}
		}
	}
	if len(errs) > 0 {
		return nil, prefixed(errs)
	}
	return samples, nil
}

// ResolveImage finds the file an annotation line names: an absolute path as
// is; a relative one relative to the annotation file's directory, else
// relative to the working directory.
func ResolveImage(annotationFile, imagePath string) (string, error) {
	cands := []string{imagePath}
	if !filepath.IsAbs(imagePath) {
		cands = []string{filepath.Join(filepath.Dir(annotationFile), imagePath), imagePath}
		if cands[0] == cands[1] {
			cands = cands[:1]
		}
	}
	for _, c := range cands {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c, nil
		}
	}
	return "", fmt.Errorf("image %s not found (looked for %s)", imagePath, strings.Join(cands, ", "))
}

// prefixed joins line errors under the package prefix, one per line.
func prefixed(errs []error) error {
	msg := make([]string, len(errs))
	for i, e := range errs {
		msg[i] = e.Error()
	}
	more := ""
	if len(errs) >= maxErrors {
		more = "\n(stopped after " + strconv.Itoa(maxErrors) + " errors)"
	}
	return &LineErrors{Errs: errs, msg: "dataset: " + strings.Join(msg, "\ndataset: ") + more}
}

// LineErrors holds the errors found in an annotation or names file, each
// beginning with "file:line:".
type LineErrors struct {
	Errs []error
	msg  string
}

func (e *LineErrors) Error() string   { return e.msg }
func (e *LineErrors) Unwrap() []error { return e.Errs }

// ReadNames reads a class-names file: one name per line (the id is the
// 0-based line number). Trailing white space, including a CR, is removed
// (the seed keeps the CR of CRLF files, SPEC §12 quirk 23). Trailing blank
// lines are ignored; a blank line before a name, a duplicate name or an
// empty file is an error.
func ReadNames(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	lines := strings.Split(string(data), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("dataset: %s: no class names", path)
	}
	seen := map[string]int{}
	names := make([]string, len(lines))
	for i, l := range lines {
		n := strings.TrimSpace(l)
		if n == "" {
			return nil, fmt.Errorf("dataset: %s:%d: empty class name", path, i+1)
		}
		if j, ok := seen[n]; ok {
			return nil, fmt.Errorf("dataset: %s:%d: class name %q repeats line %d", path, i+1, n, j+1)
		}
		seen[n] = i
		names[i] = n
	}
	return names, nil
}
