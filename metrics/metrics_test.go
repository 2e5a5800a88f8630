package metrics

import (
	"math"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }

func obj(x1, y1, x2, y2 float64, c int) Object { return Object{Box{x1, y1, x2, y2}, c} }
func det(x1, y1, x2, y2 float64, c int, s float64) Detection {
	return Detection{Box{x1, y1, x2, y2}, c, s}
}

func eval(t *testing.T, images []Image, m Metric) *Result {
	t.Helper()
	r, err := Evaluate(images, Options{Metric: m})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIoU(t *testing.T) {
	a, b := Box{0, 0, 9, 9}, Box{5, 0, 14, 9}
	// inclusive: 10×10 boxes, overlap 5×10 → 50/150.
	if v := IoUVOC(a, b); !near(v, 50.0/150) {
		t.Errorf("IoUVOC = %v, want 1/3", v)
	}
	// continuous: 9×9 boxes, overlap 4×9 → 36/126.
	if v := IoU(a, b); !near(v, 36.0/126) {
		t.Errorf("IoU = %v, want 36/126", v)
	}
	// Touching boxes: one shared pixel column for VOC, nothing for COCO.
	c := Box{9, 0, 18, 9}
	if v := IoUVOC(a, c); !near(v, 10.0/190) {
		t.Errorf("IoUVOC touching = %v, want 10/190", v)
	}
	if v := IoU(a, c); v != 0 {
		t.Errorf("IoU touching = %v, want 0", v)
	}
	if IoUVOC(a, Box{20, 20, 30, 30}) != 0 || IoU(a, a) != 1 || IoUVOC(a, a) != 1 {
		t.Error("disjoint or identical boxes")
	}
}

// The SPEC §13.5 example: 3 objects, detections TP, duplicate FP, TP.
func spec135() []Image {
	return []Image{{
		Truth:      []Object{obj(0, 0, 9, 9, 0), obj(20, 0, 29, 9, 0), obj(40, 0, 49, 9, 0)},
		Detections: []Detection{det(0, 0, 9, 9, 0, 0.9), det(0, 0, 9, 9, 0, 0.8), det(20, 0, 29, 9, 0, 0.7)},
	}}
}

func TestSpecExample(t *testing.T) {
	r := eval(t, spec135(), VOC)
	c := r.Classes[0]
	if !near(c.AP, 5.0/9) || !near(r.MAP, 5.0/9) || math.Abs(r.MAP-0.5556) > 5e-5 {
		t.Errorf("VOC AP = %v, want 5/9 = 0.5556", c.AP)
	}
	wantR, wantP := []float64{1.0 / 3, 1.0 / 3, 2.0 / 3}, []float64{1, 0.5, 2.0 / 3}
	for i := range wantR {
		if !near(c.Recall[i], wantR[i]) || !near(c.Precision[i], wantP[i]) {
			t.Errorf("point %d: rec %v prec %v, want %v %v", i, c.Recall[i], c.Precision[i], wantR[i], wantP[i])
		}
	}
	// 11-point: t = 0…0.3 see precision 1, t = 0.4…0.6 see 2/3, the rest 0.
	if r := eval(t, spec135(), VOC07); !near(r.MAP, 6.0/11) {
		t.Errorf("VOC07 AP = %v, want 6/11", r.MAP)
	}
	// COCO: the duplicate finds no other object at any threshold;
	// precision 1 for recall points 0…0.33 (34 points), 2/3 for 0.34…0.66
	// (33 points), 0 after: (34 + 22)/101.
	r = eval(t, spec135(), COCO)
	if !near(r.MAP, 56.0/101) || !near(r.MAP50, 56.0/101) || !near(r.MAP75, 56.0/101) {
		t.Errorf("COCO AP = %v (50: %v, 75: %v), want 56/101", r.MAP, r.MAP50, r.MAP75)
	}
}

// TestDuplicateVsFallback: two overlapping objects and two detections that
// both fit the first object best. VOC counts the second as a duplicate; COCO
// gives it the second object at the thresholds it clears.
func TestDuplicateVsFallback(t *testing.T) {
	im := []Image{{
		Truth:      []Object{obj(0, 0, 10, 10, 0), obj(2, 0, 12, 10, 0)},
		Detections: []Detection{det(0, 0, 10, 10, 0, 0.9), det(1, 0, 11, 10, 0, 0.8)},
	}}
	// VOC: d2 has IoU 110/132 with both objects, the tie keeps the first,
	// which is taken → FP. rec (.5, .5), prec (1, .5): AP 0.5.
	if r := eval(t, im, VOC); !near(r.MAP, 0.5) {
		t.Errorf("VOC = %v, want 0.5", r.MAP)
	}
	// COCO: d2 IoU with the free object is 90/110 = 0.818: a TP at the
	// seven thresholds .50….80 (AP 1), an FP at .85, .90, .95 (51/101).
	r := eval(t, im, COCO)
	if want := (7 + 3*51.0/101) / 10; !near(r.MAP, want) {
		t.Errorf("COCO = %v, want %v", r.MAP, want)
	}
	if !near(r.MAP50, 1) || !near(r.MAP75, 1) {
		t.Errorf("COCO AP50 %v AP75 %v, want 1 1", r.MAP50, r.MAP75)
	}
}

// TestStableTies: equal scores keep input order.
func TestStableTies(t *testing.T) {
	fp, tp := det(50, 50, 60, 60, 0, 0.5), det(0, 0, 10, 10, 0, 0.5)
	truth := []Object{obj(0, 0, 10, 10, 0)}
	for _, m := range []Metric{VOC, VOC07, COCO} {
		// FP first: precision 0 then 1/2 at recall 1.
		a := eval(t, []Image{{Truth: truth, Detections: []Detection{fp, tp}}}, m).MAP
		b := eval(t, []Image{{Truth: truth, Detections: []Detection{tp, fp}}}, m).MAP
		// Across images too: image 0's detections come first.
		c := eval(t, []Image{{Detections: []Detection{fp}}, {Truth: truth, Detections: []Detection{tp}}}, m).MAP
		const want = 0.5 // COCO: precision 1/2 at every recall point
		if !near(a, want) || !near(b, 1) || !near(c, want) {
			t.Errorf("%v: FP-first %v, TP-first %v, across images %v; want %v, 1, %v", m, a, b, c, want, want)
		}
	}
}

// TestElevenPointThresholds: 10 objects, detections TP TP TP FP TP.
// rec .1 .2 .3 .3 .4, prec 1 1 1 .75 .8.
func TestElevenPointThresholds(t *testing.T) {
	var im Image
	for i := range 10 {
		x := float64(20 * i)
		im.Truth = append(im.Truth, obj(x, 0, x+9, 9, 0))
	}
	im.Detections = []Detection{
		det(0, 0, 9, 9, 0, 0.9), det(20, 0, 29, 9, 0, 0.8), det(40, 0, 49, 9, 0, 0.7),
		det(500, 0, 509, 9, 0, 0.6), det(60, 0, 69, 9, 0, 0.5),
	}
	// VOC all-point: .1+.1+.1 at precision 1, then .1 at .8 → 0.38.
	if r := eval(t, []Image{im}, VOC); !near(r.MAP, 0.38) {
		t.Errorf("VOC = %v, want 0.38", r.MAP)
	}
	// VOC07: the threshold t₃ = 3·0.1 = 0.30000000000000004 is above the
	// recall 3/10, so p(t₃) = 0.8, not 1: (1+1+1+.8+.8)/11.
	if r := eval(t, []Image{im}, VOC07); !near(r.MAP, 4.6/11) {
		t.Errorf("VOC07 = %v, want 4.6/11", r.MAP)
	}
	// COCO: precision made monotone: 1 1 1 .8 .8. Recall points 0…0.30
	// (31) → 1; 0.31…0.40 (10) → .8: (31 + 8)/101.
	if r := eval(t, []Image{im}, COCO); math.Abs(r.MAP-39.0/101) > 1e-9 {
		t.Errorf("COCO = %v, want 39/101", r.MAP)
	}
}

func TestMatchThreshold(t *testing.T) {
	truth := []Object{obj(0, 0, 9, 9, 0)} // 10×10 inclusive
	at := func(y2 float64, thr float64) float64 {
		r, err := Evaluate([]Image{{Truth: truth, Detections: []Detection{det(0, 0, 9, y2, 0, 1)}}}, Options{Metric: VOC, MatchIoU: thr})
		if err != nil {
			t.Fatal(err)
		}
		return r.MAP
	}
	// (0,0,9,19): 100/200 = 0.5 exactly, accepted (≥); (0,0,9,20): 100/210.
	if at(19, 0.5) != 1 || at(20, 0.5) != 0 || at(19, 0.51) != 0 || at(20, 0.45) != 1 {
		t.Error("matching threshold is not IoU ≥ MatchIoU")
	}
}

func TestClasses(t *testing.T) {
	im := []Image{
		{Truth: []Object{obj(0, 0, 9, 9, 0), obj(0, 0, 9, 9, 2)}, Detections: []Detection{det(0, 0, 9, 9, 0, 0.9), det(0, 0, 9, 9, 1, 0.9)}},
		{Truth: []Object{obj(0, 0, 9, 9, 0)}},
	}
	for _, m := range []Metric{VOC, VOC07, COCO} {
		r := eval(t, im, m)
		if len(r.Classes) != 2 || r.Classes[0].Class != 0 || r.Classes[1].Class != 2 || r.IgnoredDetections != 1 {
			t.Fatalf("%v: classes %+v ignored %d", m, r.Classes, r.IgnoredDetections)
		}
		c0, c2 := r.Classes[0], r.Classes[1]
		if c0.Truth != 2 || c0.Detections != 1 || c2.Truth != 1 || c2.Detections != 0 || c2.AP != 0 {
			t.Errorf("%v: %+v %+v", m, c0, c2)
		}
		// Class 0: one TP of two objects: VOC 0.5, VOC07 6/11 (t ≤ 0.5),
		// COCO 51/101 (recall points 0…0.50).
		want := map[Metric]float64{VOC: 0.5, VOC07: 6.0 / 11, COCO: 51.0 / 101}[m]
		if math.Abs(c0.AP-want) > 1e-9 || math.Abs(r.MAP-want/2) > 1e-9 {
			t.Errorf("%v: AP %v mAP %v, want %v and %v", m, c0.AP, r.MAP, want, want/2)
		}
	}
	if r := eval(t, nil, VOC); len(r.Classes) != 0 || r.MAP != 0 {
		t.Errorf("empty input: %+v", r)
	}
}

func TestPerfect(t *testing.T) {
	var im []Image
	for i := range 5 {
		x := float64(i) + 0.25
		im = append(im, Image{
			Truth:      []Object{obj(x, x, x+30, x+40, i%3)},
			Detections: []Detection{det(x, x, x+30, x+40, i%3, float64(i)/10)},
		})
	}
	for _, m := range []Metric{VOC, VOC07, COCO} {
		if r := eval(t, im, m); math.Abs(r.MAP-1) > 1e-12 {
			t.Errorf("%v: perfect detections give %v", m, r.MAP)
		}
	}
}

func TestEvaluateErrors(t *testing.T) {
	if _, err := Evaluate(nil, Options{MatchIoU: 1.5}); err == nil {
		t.Error("MatchIoU 1.5 accepted")
	}
	if _, err := Evaluate([]Image{{Detections: []Detection{det(0, 0, 1, 1, 0, math.NaN())}}}, Options{}); err == nil {
		t.Error("NaN score accepted")
	}
	if m, err := ParseMetric("COCO"); err != nil || m != COCO || m.String() != "coco" {
		t.Error("ParseMetric")
	}
	if _, err := ParseMetric("map"); err == nil {
		t.Error("unknown metric accepted")
	}
}

func TestCOCOThresholds(t *testing.T) {
	for i, want := range []float64{.5, .55, .6, .65, .7, .75, .8, .85, .9, .95} {
		if math.Abs(cocoIoUThresholds[i]-want) > 1e-15 {
			t.Errorf("threshold %d = %v", i, cocoIoUThresholds[i])
		}
	}
	if cocoIoUThresholds[5] != 0.75 || cocoIoUThresholds[0] != 0.5 {
		t.Error("0.5 and 0.75 must be exact (pycocotools looks them up by ==)")
	}
}

func TestReadDetections(t *testing.T) {
	in := "a b.jpg 1.5,2,30.25,40,3,0.875 0,0,1,1,0,0.1\nempty.jpg\n\nc.jpg 5,5,5,9,1,1e-3\n"
	got, err := ReadDetections(strings.NewReader(in), "d.txt", 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Path != "a b.jpg" || got[1].Path != "empty.jpg" || len(got[1].Detections) != 0 || got[2].Line != 4 {
		t.Fatalf("%+v", got)
	}
	if d := got[0].Detections[0]; d != det(1.5, 2, 30.25, 40, 3, 0.875) {
		t.Errorf("detection %+v", d)
	}
	for _, c := range []struct{ line, want string }{
		{"a 1,2,3,4,0", "d.txt:1: box 1 \"1,2,3,4,0\": has 5 fields"},
		{"a 1,2,3,4,0.5,0.9", "class (0.5) is not an integer"},
		{"a 1,2,3,4,4,0.9", "class 4 but there are 4 names"},
		{"a 1,2,3,4,-1,0.9", "negative class"},
		{"a 1,2,0,4,0,0.9", "inverted"},
		{"a 1,2,3,4,0,NaN", "not a finite number"},
		{"a 1,2,3,4,0,x", "field 6 (x)"},
		{"a 1,2,3,4,0,1 junk", "box 2"},
		{"a\n./a 1,1,2,2,0,1", "d.txt:2: image ./a already listed on line 1"},
	} {
		_, err := ReadDetections(strings.NewReader(c.line), "d.txt", 4)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "metrics: d.txt:") {
			t.Errorf("%q: err = %v, want %q", c.line, err, c.want)
		}
	}
}

func TestAssignDetections(t *testing.T) {
	lines := []DetectionLine{{Path: "./x/b.jpg", Line: 1, Detections: []Detection{det(0, 0, 1, 1, 0, 1)}}, {Path: "a.jpg", Line: 2}}
	dets, missing, err := AssignDetections([]string{"a.jpg", "x/b.jpg", "c.jpg"}, lines, "d")
	if err != nil || missing != 1 || len(dets[1]) != 1 || len(dets[0]) != 0 {
		t.Errorf("dets %v missing %d err %v", dets, missing, err)
	}
	if _, _, err := AssignDetections([]string{"a.jpg"}, lines, "d"); err == nil || !strings.Contains(err.Error(), "d:1: image ./x/b.jpg is not in the ground truth") {
		t.Errorf("err = %v", err)
	}
	if _, _, err := AssignDetections([]string{"a.jpg", "./a.jpg"}, nil, "d"); err == nil {
		t.Error("duplicate ground-truth image accepted")
	}
}

func FuzzReadDetections(f *testing.F) {
	f.Add("a.jpg 1.5,2,30,40,3,0.9\nb.jpg\n")
	f.Add("a 1,2,3,4,0,1e309")
	f.Fuzz(func(t *testing.T, in string) {
		lines, err := ReadDetections(strings.NewReader(in), "f", 0)
		if err != nil {
			return
		}
		var im []Image
		for _, l := range lines {
			for _, d := range l.Detections {
				if d.X1 > d.X2 || d.Y1 > d.Y2 || d.Class < 0 || math.IsNaN(d.Score) || math.IsInf(d.Score, 0) {
					t.Fatalf("accepted %+v", d)
				}
			}
			im = append(im, Image{Truth: []Object{obj(0, 0, 10, 10, 0)}, Detections: l.Detections})
		}
		for _, m := range []Metric{VOC, VOC07, COCO} {
			r, err := Evaluate(im, Options{Metric: m})
			if err != nil || r.MAP < 0 || r.MAP > 1+1e-9 {
				t.Fatalf("%v: mAP %v err %v", m, r.MAP, err)
			}
		}
	})
}
