package dataset

import (
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSplitLine(t *testing.T) {
	for _, c := range []struct {
		line, path string
		boxes      []string
	}{
		{"a.jpg 1,2,3,4,0 5,6,7,8,1", "a.jpg", []string{"1,2,3,4,0", "5,6,7,8,1"}},
		{"  my  photos/x y.jpg\t1,2,3,4,0  ", "my photos/x y.jpg", []string{"1,2,3,4,0"}},
		{"photo 2019 a.jpg 1,2,3,4,5", "photo 2019 a.jpg", []string{"1,2,3,4,5"}},
		{"a,b.jpg 1,2,3,4,0", "a,b.jpg", []string{"1,2,3,4,0"}},
		{"1,2.jpg", "1,2.jpg", nil}, // the first token is always the path
		{"a.jpg", "a.jpg", nil},
		{"a.jpg 1.5,2,3,4,0,0.9", "a.jpg", []string{"1.5,2,3,4,0,0.9"}},
		{"a.jpg 1,x,3,4,0", "a.jpg", []string{"1,x,3,4,0"}},
		{"   ", "", nil},
	} {
		p, b := SplitLine(c.line)
		if p != c.path || !slices.Equal(b, c.boxes) {
			t.Errorf("SplitLine(%q) = %q %q, want %q %q", c.line, p, b, c.path, c.boxes)
		}
	}
}

func TestParseAnnotations(t *testing.T) {
	in := "\ufeffa.jpg 10,20,30,40,1 0,0,5,5,0\n\n  \nb c.jpg\r\nd.jpg 1,1,2,2,9\n"
	s, err := ParseAnnotations(strings.NewReader(in), "x.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []Sample{
		{Path: "a.jpg", Line: 1, Boxes: []Box{{10, 20, 30, 40, 1}, {0, 0, 5, 5, 0}}},
		{Path: "b c.jpg", Line: 4, Boxes: []Box{}},
		{Path: "d.jpg", Line: 5, Boxes: []Box{{1, 1, 2, 2, 9}}},
	}
	if len(s) != len(want) {
		t.Fatalf("got %d samples", len(s))
	}
	for i := range want {
		if s[i].Path != want[i].Path || s[i].Line != want[i].Line || !slices.Equal(s[i].Boxes, want[i].Boxes) {
			t.Errorf("sample %d = %+v, want %+v", i, s[i], want[i])
		}
	}
}

func TestParseAnnotationsErrors(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"a.jpg 1,2,3,4", `x.txt:2: box 1 "1,2,3,4": has 4 fields`},
		{"a.jpg 1,2,3,4,0,7", "has 6 fields"},
		{"a.jpg 1,2,3.5,4,0", "field 3 (3.5) is not an integer"},
		{"a.jpg 1,2,x,4,0", "field 3 (x) is not an integer"},
		{"a.jpg -1,2,3,4,0", "negative coordinate"},
		{"a.jpg 5,2,3,4,0", "empty or inverted"},
		{"a.jpg 1,2,3,2,0", "empty or inverted"},
		{"a.jpg 1,2,3,4,-1", "negative class"},
		{"a.jpg 1,2,3,4,0 oops", `box 2 "oops": has 1 fields`},
	} {
		_, err := ParseAnnotations(strings.NewReader("ok.jpg 1,1,2,2,0\n"+c.line+"\n"), "x.txt")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "dataset: x.txt:2: ") {
			t.Errorf("%q: err = %v, want %q", c.line, err, c.want)
		}
	}
	// Every bad line is reported, each with its number.
	_, err := ParseAnnotations(strings.NewReader("a 1,2\nb 1,1,2,2,0\nc 3,3,1,1,0\n"), "f")
	var le *LineErrors
	if !errors.As(err, &le) || len(le.Errs) != 2 || !strings.Contains(err.Error(), "f:1:") || !strings.Contains(err.Error(), "f:3:") {
		t.Errorf("err = %v", err)
	}
}

// writePNG writes a w×h grey PNG.
func writePNG(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
}

func TestReadAnnotations(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "img"), 0o755)
	writePNG(t, filepath.Join(dir, "img", "a b.png"), 40, 30)
	abs := filepath.Join(dir, "img", "c.png")
	writePNG(t, abs, 10, 10)
	ann := filepath.Join(dir, "train.txt")
	body := "img/a b.png 0,0,40,30,2 5,5,6,6,0\n" + abs + "\n"
	os.WriteFile(ann, []byte(body), 0o644)
	s, err := ReadAnnotations(ann, Options{NumClasses: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s[0].File != filepath.Join(dir, "img", "a b.png") || s[0].W != 40 || s[0].H != 30 || s[1].File != abs || len(s[1].Boxes) != 0 {
		t.Errorf("samples %+v", s)
	}
	if got, _ := os.ReadFile(ann); string(got) != body {
		t.Error("the annotation file was modified")
	}

	for _, c := range []struct {
		body string
		opt  Options
		want string
	}{
		{"img/c.png 0,0,11,5,0\n", Options{}, "train.txt:1: box 1 (0,0,11,5) lies outside the 10×10 image"},
		{"img/c.png 0,0,5,11,0\n", Options{}, "lies outside"},
		{"img/c.png 0,0,5,5,3\n", Options{NumClasses: 3}, "train.txt:1: box 1: class 3 but there are 3 names"},
		{"ok.png 1,1,2,2,0\nimg/missing.png 0,0,5,5,0\n", Options{}, "train.txt:2: image img/missing.png not found"},
	} {
		os.WriteFile(ann, []byte(c.body), 0o644)
		writePNG(t, filepath.Join(dir, "ok.png"), 5, 5)
		if _, err := ReadAnnotations(ann, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.body, err, c.want)
		}
	}
	// SkipImages scores files without pixels.
	os.WriteFile(ann, []byte("nowhere.png 0,0,500,500,1\n"), 0o644)
	if s, err := ReadAnnotations(ann, Options{NumClasses: 2, SkipImages: true}); err != nil || s[0].W != 0 {
		t.Errorf("SkipImages: %v %+v", err, s)
	}
}

func TestReadNames(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "n")
	for _, c := range []struct {
		body string
		want []string
		err  string
	}{
		{"0\n1\n2\n", []string{"0", "1", "2"}, ""},
		{"cat\r\ndog\r\n\r\n\n", []string{"cat", "dog"}, ""},
		{"traffic light\nx", []string{"traffic light", "x"}, ""},
		{"", nil, "no class names"},
		{"a\n\nb\n", nil, ":2: empty class name"},
		{"a\nb\na\n", nil, `:3: class name "a" repeats line 1`},
	} {
		os.WriteFile(p, []byte(c.body), 0o644)
		got, err := ReadNames(p)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err = %v, want %q", c.body, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%q: got %q, %v", c.body, got, err)
		}
	}
}

// FuzzParseAnnotations checks that no input panics and that every accepted
// box satisfies the documented rules.
func FuzzParseAnnotations(f *testing.F) {
	f.Add("a.jpg 1,2,3,4,0 5,6,7,8,1\nb.jpg\n")
	f.Add("my file.jpg 0,0,1,1,0\r\n\n")
	f.Add("x 1,2,3\n")
	f.Add("x 9999999999999999999999,0,1,1,0\n")
	f.Add("x 1,1,1,1,1,1,1")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseAnnotations(strings.NewReader(in), "f")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "dataset: f") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		for _, x := range s {
			if x.Path == "" || x.Line < 1 {
				t.Fatalf("bad sample %+v", x)
			}
			for _, b := range x.Boxes {
				if b.X1 < 0 || b.Y1 < 0 || b.X1 >= b.X2 || b.Y1 >= b.Y2 || b.Class < 0 {
					t.Fatalf("accepted bad box %+v", b)
				}
			}
		}
	})
}
