package metrics

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"darkgo/dataset"
)

// DetectionLine is one line of a detections file: an image and what a
// detector found in it (nothing, for a line with only a path).
type DetectionLine struct {
	Path       string
	Line       int
	Detections []Detection
}

// ReadDetections reads a detections file: the seed's annotation format
// (package dataset) with a score appended to every box,
//
//	<image path> x1,y1,x2,y2,class,score x1,y1,x2,y2,class,score …
//
// one line per image. Coordinates and scores are decimal numbers and keep
// their fractions; class is an integer ≥ 0 (below numClasses if that is
// positive). Boxes must not be inverted (x1 ≤ x2, y1 ≤ y2). An image listed
// twice is an error. Errors name the line ("name:3: box 2 …"); up to 20
// are collected.
func ReadDetections(r io.Reader, name string, numClasses int) ([]DetectionLine, error) {
	var (
		out  []DetectionLine
		errs []string
	)
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64<<20)
	for lineNo := 1; sc.Scan() && len(errs) < 20; lineNo++ {
		text := sc.Text()
		if lineNo == 1 {
			text = strings.TrimPrefix(text, "\ufeff") // a UTF-8 byte-order mark
		}
		path, toks := dataset.SplitLine(text)
		if path == "" {
			continue
		}
		key := filepath.Clean(path)
		if prev, ok := seen[key]; ok {
			errs = append(errs, fmt.Sprintf("%s:%d: image %s already listed on line %d", name, lineNo, path, prev))
			continue
		}
		seen[key] = lineNo
		dl := DetectionLine{Path: path, Line: lineNo, Detections: make([]Detection, 0, len(toks))}
		for j, t := range toks {
			d, err := parseDetection(t, numClasses)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s:%d: box %d %q: %v", name, lineNo, j+1, t, err))
				continue
			}
			dl.Detections = append(dl.Detections, d)
		}
		out = append(out, dl)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Sprintf("%s: %v", name, err))
	}
	if len(errs) > 0 {
		return nil, errors.New("metrics: " + strings.Join(errs, "\nmetrics: "))
	}
	return out, nil
}

func parseDetection(t string, numClasses int) (Detection, error) {
	f := strings.Split(t, ",")
	if len(f) != 6 {
		return Detection{}, fmt.Errorf("has %d fields, want 6 (x1,y1,x2,y2,class,score)", len(f))
	}
	var v [6]float64
	for i, s := range f {
		if i == 4 {
			continue
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return Detection{}, fmt.Errorf("field %d (%s) is not a finite number", i+1, s)
		}
		v[i] = x
	}
	class, err := strconv.Atoi(f[4])
	switch {
	case err != nil:
		return Detection{}, fmt.Errorf("class (%s) is not an integer", f[4])
	case class < 0:
		return Detection{}, errors.New("negative class id")
	case numClasses > 0 && class >= numClasses:
		return Detection{}, fmt.Errorf("class %d but there are %d names", class, numClasses)
	case v[0] > v[2] || v[1] > v[3]:
		return Detection{}, errors.New("inverted (need x1 ≤ x2 and y1 ≤ y2)")
	}
	return Detection{Box: Box{v[0], v[1], v[2], v[3]}, Class: class, Score: v[5]}, nil
}

// AssignDetections hands detection lines to the images named by paths
// (the ground truth's, in its order): dets[i] holds the detections of
// paths[i]. Paths are compared after filepath.Clean. A detection line for
// an image not in paths is an error (the files do not belong together);
// missing counts the images without a detection line, which are scored as
// images with no detections.
func AssignDetections(paths []string, lines []DetectionLine, name string) (dets [][]Detection, missing int, err error) {
	index := make(map[string]int, len(paths))
	for i, p := range paths {
		k := filepath.Clean(p)
		if _, dup := index[k]; dup {
			return nil, 0, fmt.Errorf("metrics: image %s is listed twice in the ground truth", p)
		}
		index[k] = i
	}
	dets = make([][]Detection, len(paths))
	has := make([]bool, len(paths))
	for _, l := range lines {
		i, ok := index[filepath.Clean(l.Path)]
		if !ok {
			return nil, 0, fmt.Errorf("metrics: %s:%d: image %s is not in the ground truth", name, l.Line, l.Path)
		}
		dets[i], has[i] = l.Detections, true
	}
	for _, h := range has {
		if !h {
			missing++
		}
	}
	return dets, missing, nil
}
