package metrics

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
)

// TestReference compares with AP values computed by pycocotools and a NumPy
// VOC evaluation on 40 random images (testdata/README).
func TestReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	type expected struct {
		Classes    map[string]float64 `json:"classes"`
		AP50, AP75 map[string]float64
		MAP        float64 `json:"map"`
	}
	var ref struct {
		Images []struct {
			Truth      [][5]float64 `json:"truth"`
			Detections [][6]float64 `json:"detections"`
		} `json:"images"`
		Expected map[string]expected `json:"expected"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	var images []Image
	for _, im := range ref.Images {
		var m Image
		for _, o := range im.Truth {
			m.Truth = append(m.Truth, Object{Box{o[0], o[1], o[2], o[3]}, int(o[4])})
		}
		for _, d := range im.Detections {
			m.Detections = append(m.Detections, Detection{Box{d[0], d[1], d[2], d[3]}, int(d[4]), d[5]})
		}
		images = append(images, m)
	}
	for name, opt := range map[string]Options{
		"voc": {Metric: VOC}, "voc07": {Metric: VOC07}, "voc_match07": {Metric: VOC, MatchIoU: 0.7}, "coco": {Metric: COCO},
	} {
		want, ok := ref.Expected[name]
		if !ok {
			t.Fatalf("no expected values for %s", name)
		}
		res, err := Evaluate(images, opt)
		if err != nil {
			t.Fatal(err)
		}
		const tol = 1e-12
		if math.Abs(res.MAP-want.MAP) > tol || len(res.Classes) != len(want.Classes) {
			t.Errorf("%s: mAP %.17g, want %.17g (%d classes, want %d)", name, res.MAP, want.MAP, len(res.Classes), len(want.Classes))
		}
		for _, c := range res.Classes {
			k := strconv.Itoa(c.Class)
			if math.Abs(c.AP-want.Classes[k]) > tol {
				t.Errorf("%s class %d: AP %.17g, want %.17g", name, c.Class, c.AP, want.Classes[k])
			}
			if name == "coco" && (math.Abs(c.AP50-want.AP50[k]) > tol || math.Abs(c.AP75-want.AP75[k]) > tol) {
				t.Errorf("coco class %d: AP50 %.17g AP75 %.17g, want %.17g %.17g", c.Class, c.AP50, c.AP75, want.AP50[k], want.AP75[k])
			}
		}
		if res.IgnoredDetections == 0 {
			t.Errorf("%s: the class-3 detections were not counted as ignored", name)
		}
	}
}
