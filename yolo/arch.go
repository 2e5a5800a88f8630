package yolo

import (
	"fmt"
	"strings"
)

// Kind is the type of a darknet layer.
type Kind int

// The layer kinds of YOLOv3 and YOLOv3-tiny, named as in darknet's .cfg files.
const (
	Convolutional Kind = iota // k×k convolution; BN + leaky, or linear with bias
	Shortcut                  // y = x + out[From] (residual add, no activation)
	Route                     // concatenate out[Layers...] along channels
	Upsample                  // nearest-neighbour ×2
	MaxPool                   // Size×Size max over a window, stride Stride
	YOLO                      // detection head marker: decodes the previous conv
)

var kindNames = [...]string{"conv", "shortcut", "route", "upsample", "max", "yolo"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Layer is one layer of a darknet network. Which fields matter depends on
// Kind; indices (From, Layers) are absolute layer indices, already resolved
// from the relative ones a .cfg file uses.
type Layer struct {
	Kind Kind

	// Convolutional and MaxPool.
	Size, Stride int
	// Convolutional.
	Filters int  // Cout
	BN      bool // true: conv (no bias) → BatchNorm → leaky 0.1; false: linear conv with bias
	Conv    int  // index of this conv among the network's convs (the .weights order)

	From   int   // Shortcut: the layer added to the previous one
	Layers []int // Route: the layers concatenated, in this order

	Head int // YOLO: index of this head in Arch.Heads
}

// Head describes one detection scale: the conv layer whose output is decoded
// and the anchors (in input pixels) of its three boxes per cell.
type Head struct {
	Layer   int           // the YOLO layer
	Conv    int           // the linear output conv feeding it (conv index)
	Stride  int           // input pixels per grid cell: 8, 16 or 32
	Anchors [A][2]float32 // (w, h) in input pixels, anchor a of this scale
}

// A is the number of anchors (boxes) per grid cell and scale.
const A = 3

// Arch is a network as data: darknet's layer list for a model name and a
// class count. It holds no parameters and no input size.
type Arch struct {
	Name    string // "yolov3" or "yolov3-tiny"
	Classes int    // K
	Layers  []Layer
	Convs   []int  // Convs[i] is the layer index of conv i
	Heads   []Head // ordered by increasing stride: yolov3 8, 16, 32; tiny 16, 32
}

// Models lists the model names NewArch accepts.
func Models() []string { return []string{"yolov3", "yolov3-tiny"} }

// NewArch returns the architecture of the named model ("yolov3" or
// "yolov3-tiny") with the given number of classes.
func NewArch(name string, classes int) (*Arch, error) {
	if classes < 1 {
		return nil, fmt.Errorf("yolo: %s: class count %d must be at least 1", name, classes)
	}
	b := &builder{a: &Arch{Name: name, Classes: classes}}
	switch name {
	case "yolov3":
		b.yolov3()
	case "yolov3-tiny":
		b.tiny()
	default:
		return nil, fmt.Errorf("yolo: unknown model %q (want one of %s)", name, strings.Join(Models(), ", "))
	}
	a := b.a
	// Heads were added in darknet order (largest stride first); return them
	// by increasing stride, as the upstream model returns its outputs.
	for i, j := 0, len(a.Heads)-1; i < j; i, j = i+1, j-1 {
		a.Heads[i], a.Heads[j] = a.Heads[j], a.Heads[i]
	}
	for h := range a.Heads {
		a.Layers[a.Heads[h].Layer].Head = h
	}
	return a, nil
}

// MustArch is NewArch for names and class counts fixed in code; it panics on error.
func MustArch(name string, classes int) *Arch {
	a, err := NewArch(name, classes)
	if err != nil {
		panic(err)
	}
	return a
}

// OutputChannels is 3·(5+K), the channels of every head: channel a·(5+K)+f
// holds field f (tx, ty, tw, th, objectness, K class logits) of anchor a.
func (a *Arch) OutputChannels() int { return A * (5 + a.Classes) }

// IsOutputConv reports whether conv i is a linear head conv (bias, no BN).
func (a *Arch) IsOutputConv(i int) bool { return !a.Layers[a.Convs[i]].BN }

// builder appends layers and resolves darknet's relative indices.
type builder struct{ a *Arch }

func (b *builder) add(l Layer) int {
	b.a.Layers = append(b.a.Layers, l)
	return len(b.a.Layers) - 1
}

func (b *builder) conv(filters, size, stride int) int {
	i := b.add(Layer{Kind: Convolutional, Filters: filters, Size: size, Stride: stride, BN: true, Conv: len(b.a.Convs)})
	b.a.Convs = append(b.a.Convs, i)
	return i
}

// head adds the linear output conv and the YOLO layer after it.
func (b *builder) head(stride int, anchors [A][2]float32) {
	c := len(b.a.Convs)
	i := b.add(Layer{Kind: Convolutional, Filters: b.a.OutputChannels(), Size: 1, Stride: 1, Conv: c})
	b.a.Convs = append(b.a.Convs, i)
	y := b.add(Layer{Kind: YOLO})
	b.a.Heads = append(b.a.Heads, Head{Layer: y, Conv: c, Stride: stride, Anchors: anchors})
}

func (b *builder) shortcut(rel int) int {
	n := len(b.a.Layers)
	return b.add(Layer{Kind: Shortcut, From: n + rel})
}

// route takes darknet's layer list: negative entries are relative.
func (b *builder) route(layers ...int) int {
	n := len(b.a.Layers)
	abs := make([]int, len(layers))
	for i, l := range layers {
		if l < 0 {
			l += n
		}
		abs[i] = l
	}
	return b.add(Layer{Kind: Route, Layers: abs})
}

func (b *builder) upsample() int { return b.add(Layer{Kind: Upsample, Stride: 2}) }

func (b *builder) maxpool(size, stride int) int {
	return b.add(Layer{Kind: MaxPool, Size: size, Stride: stride})
}

// yolov3 builds darknet's yolov3.cfg: 107 layers, 75 convs.
func (b *builder) yolov3() {
	b.conv(32, 3, 1)
	var route1, route2 int
	for stage, blocks := range []int{1, 2, 8, 8, 4} {
		c := 64 << stage
		b.conv(c, 3, 2) // downsample
		for range blocks {
			b.conv(c/2, 1, 1)
			b.conv(c, 3, 1)
			b.shortcut(-3)
		}
		switch stage {
		case 2:
			route1 = len(b.a.Layers) - 1 // 36
		case 3:
			route2 = len(b.a.Layers) - 1 // 61
		}
	}
	// Three scales, stride 32 first; c is the width of the 1×1 convs.
	skips := []int{route2, route1}
	anchors := [][A][2]float32{
		{{116, 90}, {156, 198}, {373, 326}},
		{{30, 61}, {62, 45}, {59, 119}},
		{{10, 13}, {16, 30}, {33, 23}},
	}
	for s, c := range []int{512, 256, 128} {
		if s > 0 {
			b.route(-4)
			b.conv(c, 1, 1)
			b.upsample()
			b.route(-1, skips[s-1])
		}
		for range 3 {
			b.conv(c, 1, 1)
			b.conv(2*c, 3, 1)
		}
		// The third 1×1 conv is the branch point (×L, ×M) that the next
		// scale's route -4 comes back to.
		b.head(32>>s, anchors[s])
	}
}

// tiny builds darknet's yolov3-tiny.cfg: 24 layers, 13 convs.
func (b *builder) tiny() {
	for i := range 6 {
		b.conv(16<<i, 3, 1)
		if i < 5 {
			b.maxpool(2, 2)
		} else {
			b.maxpool(2, 1)
		}
	}
	b.conv(1024, 3, 1)
	b.conv(256, 1, 1)
	b.conv(512, 3, 1)
	b.head(32, [A][2]float32{{81, 82}, {135, 169}, {344, 319}})
	b.route(-4)
	b.conv(128, 1, 1)
	b.upsample()
	b.route(-1, 8)
	b.conv(256, 3, 1)
	b.head(16, [A][2]float32{{10, 14}, {23, 27}, {37, 58}})
}
