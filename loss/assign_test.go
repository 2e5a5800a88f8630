package loss

import (
	"math"
	"strings"
	"testing"
)

// The label-assignment examples of SPEC §13.4 (YOLOv3 anchors, 416 frame):
// per scale the (row, col) cell and the IoUs with anchors 0, 1, 2 to four
// decimals, and the positive slots.
func TestAssignSpecExamples(t *testing.T) {
	type pos struct{ scale, anchor int }
	cases := []struct {
		box   Box
		cells [3][2]int
		ious  [3][3]float64
		pos   []pos
	}{
		{Box{100, 100, 114, 114, 0}, [3][2]int{{13, 13}, {6, 6}, {3, 3}},
			[3][3]float64{{0.6219, 0.4083, 0.2582}, {0.1071, 0.0703, 0.0279}, {0.0188, 0.0063, 0.0016}},
			[]pos{{0, 0}, {0, 1}}},
		{Box{100, 100, 128, 128, 0}, [3][2]int{{14, 14}, {7, 7}, {3, 3}},
			[3][3]float64{{0.1658, 0.5192, 0.7164}, {0.3269, 0.2810, 0.1117}, {0.0751, 0.0254, 0.0064}},
			[]pos{{0, 1}, {0, 2}, {1, 0}}},
		{Box{100, 100, 156, 156, 0}, [3][2]int{{16, 16}, {8, 8}, {4, 4}},
			[3][3]float64{{0.0415, 0.1531, 0.2420}, {0.4390, 0.5767, 0.3754}, {0.3004, 0.1015, 0.0258}},
			[]pos{{1, 0}, {1, 1}, {1, 2}, {2, 0}}},
		{Box{200, 50, 312, 162, 0}, [3][2]int{{13, 32}, {6, 16}, {3, 8}},
			[3][3]float64{{0.0104, 0.0383, 0.0605}, {0.1459, 0.2224, 0.5100}, {0.6227, 0.4061, 0.1032}},
			[]pos{{1, 2}, {2, 0}, {2, 1}}},
		{Box{10, 10, 32, 32, 0}, [3][2]int{{2, 2}, {1, 1}, {0, 0}},
			[3][3]float64{{0.2686, 0.5752, 0.6143}, {0.2645, 0.1735, 0.0689}, {0.0464, 0.0157, 0.0040}},
			[]pos{{0, 1}, {0, 2}}},
	}
	cfg := YOLOv3(10, 416, 416)
	for _, c := range cases {
		tg, err := Assign(&cfg, []Box{c.box})
		if err != nil {
			t.Fatal(err)
		}
		rec := tg.Boxes[0]
		for i := range 3 {
			for a := range 3 {
				if math.Abs(rec.AnchorIoU[i][a]-c.ious[i][a]) > 0.5e-4 {
					t.Errorf("%v: IoU[%d][%d] = %.5f, want %.4f", c.box, i, a, rec.AnchorIoU[i][a], c.ious[i][a])
				}
			}
		}
		if rec.Fallback || len(rec.Slots) != len(c.pos) {
			t.Errorf("%v: slots %v fallback %v, want %v", c.box, rec.Slots, rec.Fallback, c.pos)
			continue
		}
		for k, p := range c.pos {
			want := Slot{Scale: p.scale, Anchor: p.anchor, Row: c.cells[p.scale][0], Col: c.cells[p.scale][1]}
			if rec.Slots[k] != want {
				t.Errorf("%v: slot %d = %+v, want %+v", c.box, k, rec.Slots[k], want)
			}
		}
		// The class target with C = 10 is 0.991 / 0.001.
		s := rec.Slots[0]
		st := tg.Scales[s.Scale]
		l := st.Label[((s.Row*st.Cols+s.Col)*3+s.Anchor)*15:][:15]
		if l[5] != float32(0.991) || l[6] != float32(0.001) || l[4] != 1 {
			t.Errorf("%v: label %v", c.box, l)
		}
	}
}

func TestAssignWholeImageAndFallback(t *testing.T) {
	cfg := YOLOv3(10, 416, 416)
	tg, err := Assign(&cfg, []Box{{0, 0, 416, 416, 3}})
	if err != nil {
		t.Fatal(err)
	}
	rec := tg.Boxes[0]
	if len(rec.Slots) != 1 || rec.Slots[0] != (Slot{Scale: 2, Anchor: 2, Row: 6, Col: 6}) ||
		math.Abs(rec.AnchorIoU[2][2]-0.7027) > 0.5e-4 {
		t.Errorf("(0,0,416,416): slots %v IoU %v, want s2 a2 (6,6) 0.7027", rec.Slots, rec.AnchorIoU[2][2])
	}

	tg, err = Assign(&cfg, []Box{{0, 0, 400, 12, 1}})
	if err != nil {
		t.Fatal(err)
	}
	rec = tg.Boxes[0]
	want := []float64{0.0218, 0.0377, 0.0767, 0.0574, 0.1087, 0.0637, 0.1005, 0.0554, 0.0367}
	for k, w := range want {
		if got := rec.AnchorIoU[k/3][k%3]; math.Abs(got-w) > 0.5e-4 {
			t.Errorf("fallback: IoU %d = %.5f, want %.4f", k, got, w)
		}
	}
	if !rec.Fallback || len(rec.Slots) != 1 || rec.Slots[0] != (Slot{Scale: 1, Anchor: 1, Row: 0, Col: 12}) {
		t.Errorf("fallback: %v %v, want scale 1 anchor 1 (0, 12)", rec.Fallback, rec.Slots)
	}
	if tg.Scales[1].Count != 1 || tg.Scales[0].Count != 0 || tg.Scales[2].Count != 0 {
		t.Errorf("fallback: list counts %d %d %d", tg.Scales[0].Count, tg.Scales[1].Count, tg.Scales[2].Count)
	}
}

// Quirk 10: a later box overwrites a shared slot, and a scale's list wraps
// around after MaxBoxes rows.
func TestAssignOverwriteAndWrap(t *testing.T) {
	cfg := YOLOv3(2, 416, 416)
	cfg.MaxBoxes = 3
	var boxes []Box
	for k := range 5 { // same cell and anchors at stride 8 for all five
		boxes = append(boxes, Box{X1: 100, Y1: 100, X2: 114 + float64(k)/8, Y2: 114, Class: k % 2})
	}
	tg, err := Assign(&cfg, boxes)
	if err != nil {
		t.Fatal(err)
	}
	st := tg.Scales[0]
	if st.Count != 5 {
		t.Fatalf("count %d, want 5", st.Count)
	}
	// Rows: box 3, box 4, box 2 (5 boxes into 3 rows).
	for r, b := range []int{3, 4, 2} {
		if got, want := st.List[4*r+2], float32(boxes[b].X2-boxes[b].X1); got != want {
			t.Errorf("row %d: w %v, want box %d's %v", r, got, b, want)
		}
	}
	slot := (13*st.Cols+13)*3 + 0
	if st.Owner[slot] != 4 || st.Label[slot*7+2] != float32(boxes[4].X2-boxes[4].X1) || st.Label[slot*7+5+boxes[4].Class] != 0.995 {
		t.Errorf("shared slot owner %d label %v, want the last box", st.Owner[slot], st.Label[slot*7:slot*7+7])
	}
}

func TestAssignNonSquareAndTiny(t *testing.T) {
	cfg := YOLOv3Tiny(3, 160, 96) // W 160, H 96: grids 6×10 and 3×5
	tg, err := Assign(&cfg, []Box{{140, 70, 158, 90, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Scales[0].Rows != 6 || tg.Scales[0].Cols != 10 || tg.Scales[1].Rows != 3 || tg.Scales[1].Cols != 5 {
		t.Fatalf("grids %dx%d %dx%d", tg.Scales[0].Rows, tg.Scales[0].Cols, tg.Scales[1].Rows, tg.Scales[1].Cols)
	}
	// centre (149, 80), 18×20: stride 16 cell (row 5, col 9); anchor
	// (10,14) IoU = (10·14)/(18·20) offset by the cell centre (152, 88):
	// anchor box x [147,157] y [81,95], gt x [140,158] y [70,90] →
	// inter 10·9 = 90, union 140 + 360 − 90 = 410.
	rec := tg.Boxes[0]
	if got := rec.AnchorIoU[0][0]; math.Abs(got-90.0/410) > 1e-12 {
		t.Errorf("IoU = %v, want %v", got, 90.0/410)
	}
	for _, s := range rec.Slots {
		if s.Scale == 0 && (s.Row != 5 || s.Col != 9) {
			t.Errorf("slot %+v, want row 5 col 9", s)
		}
	}
}

func TestAssignRejects(t *testing.T) {
	cfg := YOLOv3(2, 416, 416)
	for _, c := range []struct {
		b    Box
		want string
	}{
		{Box{400, 400, 440, 440, 0}, "outside"},
		{Box{-50, 10, 10, 20, 0}, "outside"},
		{Box{20, 10, 10, 20, 0}, "order"},
		{Box{10, 10, 20, 20, 2}, "class"},
		{Box{10, 10, math.NaN(), 20, 0}, "finite"},
	} {
		_, err := Assign(&cfg, []Box{c.b})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "loss: ") {
			t.Errorf("%v: err %v, want one containing %q", c.b, err, c.want)
		}
	}
	bad := YOLOv3(2, 420, 416)
	if _, err := Assign(&bad, nil); err == nil {
		t.Error("420×416 input accepted with stride 32")
	}
}
