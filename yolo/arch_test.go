package yolo

import (
	"strings"
	"testing"
)

// TestCounts checks the parameter counts and file sizes of SPEC §13.2,
// computed from the layer list (no file is written).
func TestCounts(t *testing.T) {
	for _, c := range []struct {
		name                                   string
		k                                      int
		total, trainable, nonTrain, kernel, bn int64
		bias, bytes                            int64
	}{
		{"yolov3", 80, 62001757, 61949149, 52608, 61895776, 105216, 765, 248007048},
		{"yolov3", 10, 61624807, 61572199, 52608, 61519456, 105216, 135, 246499248},
		{"yolov3", 1, 61576342, 61523734, 52608, 61471072, 105216, 54, 246305388},
		{"yolov3-tiny", 80, 8858734, 8852366, 6368, 8845488, 12736, 510, 35434956},
		{"yolov3-tiny", 10, 8697034, 8690666, 6368, 8684208, 12736, 90, 34788156},
		{"yolov3", 2, 61581727, 0, 52608, 0, 105216, 63, 246326928},  // golden case
		{"yolov3-tiny", 3, 8680864, 0, 6368, 0, 12736, 48, 34723476}, // golden case
	} {
		a := MustArch(c.name, c.k)
		n := a.Counts()
		if n.Total != c.total || n.NonTrainable != c.nonTrain || n.BNFloats != c.bn || n.HeadBias != c.bias {
			t.Errorf("%s K=%d: counts %+v", c.name, c.k, n)
		}
		if c.trainable != 0 && (n.Trainable != c.trainable || n.Kernel != c.kernel) {
			t.Errorf("%s K=%d: trainable %d kernel %d, want %d %d", c.name, c.k, n.Trainable, n.Kernel, c.trainable, c.kernel)
		}
		if got := DefaultHeader().Len() + 4*n.Total; got != c.bytes {
			t.Errorf("%s K=%d: file bytes %d, want %d", c.name, c.k, got, c.bytes)
		}
		if k := ClassesForFloats(c.name, c.total); k != c.k {
			t.Errorf("ClassesForFloats(%s, %d) = %d, want %d", c.name, c.total, k, c.k)
		}
	}
	if n := MustArch("yolov3", 80).Counts().BNChannels; n != 26304 {
		t.Errorf("yolov3 BN channels %d, want 26304", n)
	}
	if n := MustArch("yolov3-tiny", 80).Counts().BNChannels; n != 3184 {
		t.Errorf("tiny BN channels %d, want 3184", n)
	}
	// Backbone parameter counts: convs 0–51 of yolov3, 0–6 of tiny.
	for _, c := range []struct {
		name  string
		convs int
		want  int64
	}{{"yolov3", 52, 40620640}, {"yolov3-tiny", 7, 6298480}} {
		a := MustArch(c.name, 80)
		var n int64
		for i := range c.convs {
			cin, cout, k := a.ConvDims(i)
			n += int64(cout*cin*k*k + 4*cout)
		}
		if n != c.want {
			t.Errorf("%s backbone: %d params, want %d", c.name, n, c.want)
		}
	}
	if ClassesForFloats("yolov3", 62001758) != 0 || ClassesForFloats("yolov3", 100) != 0 {
		t.Error("ClassesForFloats matched a size no model has")
	}
}

// TestStructure checks SPEC §13.1 and the darknet cfg layer indices.
func TestStructure(t *testing.T) {
	count := func(a *Arch) map[Kind]int {
		m := map[Kind]int{}
		for _, l := range a.Layers {
			m[l.Kind]++
		}
		return m
	}
	a := MustArch("yolov3", 80)
	if len(a.Layers) != 107 || len(a.Convs) != 75 {
		t.Fatalf("yolov3: %d layers, %d convs; want 107, 75", len(a.Layers), len(a.Convs))
	}
	if c := count(a); c[Shortcut] != 23 || c[Upsample] != 2 || c[Route] != 4 || c[YOLO] != 3 {
		t.Errorf("yolov3 kinds: %v", c)
	}
	var linear []int
	for i := range a.Convs {
		if a.IsOutputConv(i) {
			linear = append(linear, i)
		}
	}
	if len(linear) != 3 || linear[0] != 58 || linear[1] != 66 || linear[2] != 74 {
		t.Errorf("yolov3 output convs %v, want [58 66 74]", linear)
	}
	// Darknet's yolov3.cfg: yolo layers 82, 94, 106; routes 83 (-4 → 79),
	// 86 (85, 61), 95 (91), 98 (97, 36).
	if a.Heads[0].Layer != 106 || a.Heads[1].Layer != 94 || a.Heads[2].Layer != 82 {
		t.Errorf("yolo layers %d %d %d", a.Heads[0].Layer, a.Heads[1].Layer, a.Heads[2].Layer)
	}
	for _, r := range []struct{ at, first, second int }{{83, 79, -1}, {86, 85, 61}, {95, 91, -1}, {98, 97, 36}} {
		l := a.Layers[r.at].Layers
		if l[0] != r.first || (r.second >= 0 && (len(l) != 2 || l[1] != r.second)) {
			t.Errorf("route %d: %v", r.at, l)
		}
	}
	if cin, _, _ := a.ConvDims(60); cin != 768 {
		t.Errorf("conv 60 Cin %d, want 768", cin)
	}
	if cin, _, _ := a.ConvDims(68); cin != 384 {
		t.Errorf("conv 68 Cin %d, want 384", cin)
	}
	p, err := a.NewPlan(416, 416)
	if err != nil {
		t.Fatal(err)
	}
	for h, want := range []Shape{{255, 52, 52}, {255, 26, 26}, {255, 13, 13}} {
		if got := p.HeadShape(h); got != want {
			t.Errorf("head %d shape %v, want %v", h, got, want)
		}
	}
	// Darknet prints 65.879 BFLOPs for yolov3 at 416 (its convolutional
	// layers only, as here).
	if bf := float64(p.TotalFLOPs()) / 1e9; bf < 65.86 || bf > 65.89 {
		t.Errorf("yolov3 416: %.3f BFLOPs, want 65.879", bf)
	}

	tiny := MustArch("yolov3-tiny", 80)
	if len(tiny.Layers) != 24 || len(tiny.Convs) != 13 {
		t.Fatalf("tiny: %d layers, %d convs", len(tiny.Layers), len(tiny.Convs))
	}
	if c := count(tiny); c[MaxPool] != 6 || c[Upsample] != 1 || c[Route] != 2 || c[YOLO] != 2 {
		t.Errorf("tiny kinds: %v", c)
	}
	if !tiny.IsOutputConv(9) || !tiny.IsOutputConv(12) || tiny.IsOutputConv(11) {
		t.Error("tiny output convs are not 9 and 12")
	}
	if cin, _, _ := tiny.ConvDims(11); cin != 384 {
		t.Errorf("tiny conv 11 Cin %d, want 384", cin)
	}
	tp, _ := tiny.NewPlan(416, 416)
	if tp.HeadShape(0) != (Shape{255, 26, 26}) || tp.HeadShape(1) != (Shape{255, 13, 13}) {
		t.Errorf("tiny heads %v %v", tp.HeadShape(0), tp.HeadShape(1))
	}
	// Darknet prints 5.571 BFLOPs for yolov3-tiny at 416.
	if bf := float64(tp.TotalFLOPs()) / 1e9; bf < 5.56 || bf > 5.58 {
		t.Errorf("tiny 416: %.3f BFLOPs, want 5.571", bf)
	}
	// Non-square input: 96×160 gives 3×5, 6×10, 12×20 grids.
	p2, err := MustArch("yolov3", 2).NewPlan(96, 160)
	if err != nil {
		t.Fatal(err)
	}
	for h, want := range []Shape{{21, 12, 20}, {21, 6, 10}, {21, 3, 5}} {
		if got := p2.HeadShape(h); got != want {
			t.Errorf("96×160 head %d: %v, want %v", h, got, want)
		}
	}
	for _, hw := range [][2]int{{0, 32}, {100, 416}, {416, 33}, {-32, 32}} {
		if _, err := a.NewPlan(hw[0], hw[1]); err == nil {
			t.Errorf("NewPlan(%d, %d) accepted", hw[0], hw[1])
		}
	}
	if _, err := NewArch("yolov4", 80); err == nil {
		t.Error("NewArch accepted yolov4")
	}
	if _, err := NewArch("yolov3", 0); err == nil {
		t.Error("NewArch accepted 0 classes")
	}
	var sb strings.Builder
	if err := tp.WriteTable(&sb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sb.String(), "Total BFLOPS 5.5") || strings.Count(sb.String(), "\n") != 24+3 {
		t.Errorf("table:\n%s", sb.String())
	}
}
