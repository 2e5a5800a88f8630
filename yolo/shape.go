package yolo

import (
	"fmt"
	"io"
	"strings"
)

// Shape is the shape of one image's activation: C channels of H×W.
type Shape struct{ C, H, W int }

func (s Shape) String() string { return fmt.Sprintf("%4d x%4d x%5d", s.W, s.H, s.C) }

// Size is C·H·W.
func (s Shape) Size() int { return s.C * s.H * s.W }

// Plan is an architecture laid out for one input size: the input and output
// shape of every layer and the FLOPs of every conv.
type Plan struct {
	Arch    *Arch
	H, W    int     // input side, multiples of 32
	In, Out []Shape // per layer
	FLOPs   []int64 // per layer: 2·Cout·Cin·k²·Ho·Wo for convs, 0 otherwise
}

// NewPlan computes the layer shapes for an input of h×w pixels, both
// positive multiples of 32.
func (a *Arch) NewPlan(h, w int) (*Plan, error) {
	if h <= 0 || w <= 0 || h%32 != 0 || w%32 != 0 {
		return nil, fmt.Errorf("yolo: %s: input %d×%d (H×W): both sides must be positive multiples of 32", a.Name, h, w)
	}
	p := &Plan{Arch: a, H: h, W: w,
		In: make([]Shape, len(a.Layers)), Out: make([]Shape, len(a.Layers)), FLOPs: make([]int64, len(a.Layers))}
	prev := Shape{3, h, w}
	for i, l := range a.Layers {
		in := prev
		var out Shape
		switch l.Kind {
		case Convolutional:
			pad := l.Size / 2 // darknet pad=1: size/2 on every side
			out = Shape{l.Filters, (in.H+2*pad-l.Size)/l.Stride + 1, (in.W+2*pad-l.Size)/l.Stride + 1}
			p.FLOPs[i] = 2 * int64(l.Filters) * int64(in.C) * int64(l.Size*l.Size) * int64(out.H*out.W)
		case Shortcut:
			out = in
		case Route:
			out = p.Out[l.Layers[0]]
			out.C = 0
			for _, j := range l.Layers {
				out.C += p.Out[j].C
			}
			in = out
		case Upsample:
			out = Shape{in.C, in.H * 2, in.W * 2}
		case MaxPool:
			pad := l.Size - 1 // darknet: padding = size−1, windows start at 0
			out = Shape{in.C, (in.H+pad-l.Size)/l.Stride + 1, (in.W+pad-l.Size)/l.Stride + 1}
		case YOLO:
			out = in
		}
		p.In[i], p.Out[i] = in, out
		prev = out
	}
	return p, nil
}

// TotalFLOPs is the sum of the conv FLOPs of one image's forward pass.
func (p *Plan) TotalFLOPs() int64 {
	var t int64
	for _, f := range p.FLOPs {
		t += f
	}
	return t
}

// HeadShape is the raw output shape of head h for one image:
// 3·(5+K) channels of (H/stride)×(W/stride).
func (p *Plan) HeadShape(h int) Shape {
	return p.Out[p.Arch.Convs[p.Arch.Heads[h].Conv]]
}

// WriteTable prints the layer table in the style of darknet's start-up
// listing: index, type, filters, size/stride, input → output, BFLOPs.
func (p *Plan) WriteTable(w io.Writer) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s, %d classes, input %d×%d (H×W)\n", p.Arch.Name, p.Arch.Classes, p.H, p.W)
	fmt.Fprintf(&sb, "   layer   filters  size/strd    input                output\n")
	for i, l := range p.Arch.Layers {
		in, out := p.In[i], p.Out[i]
		switch l.Kind {
		case Convolutional:
			act := "leaky"
			if !l.BN {
				act = "linear"
			}
			fmt.Fprintf(&sb, "%4d %-8s %4d  %2d x%2d/%2d  %s -> %s %7.3f BF  %s\n",
				i, l.Kind, l.Filters, l.Size, l.Size, l.Stride, in, out, float64(p.FLOPs[i])/1e9, act)
		case MaxPool:
			fmt.Fprintf(&sb, "%4d %-8s       %2d x%2d/%2d  %s -> %s\n", i, l.Kind, l.Size, l.Size, l.Stride, in, out)
		case Shortcut:
			fmt.Fprintf(&sb, "%4d %-8s layer %d%*s %s -> %s\n", i, l.Kind, l.From, 8-len(fmt.Sprint(l.From)), "", in, out)
		case Route:
			s := fmt.Sprint(l.Layers)
			fmt.Fprintf(&sb, "%4d %-8s %-15s %*s-> %s\n", i, l.Kind, s[1:len(s)-1], 20, "", out)
		case Upsample:
			fmt.Fprintf(&sb, "%4d %-8s            %2dx  %s -> %s\n", i, l.Kind, l.Stride, in, out)
		case YOLO:
			hd := p.Arch.Heads[l.Head]
			fmt.Fprintf(&sb, "%4d %-8s stride %2d, anchors %v\n", i, l.Kind, hd.Stride, hd.Anchors)
		}
	}
	fmt.Fprintf(&sb, "Total BFLOPS %.3f\n", float64(p.TotalFLOPs())/1e9)
	_, err := io.WriteString(w, sb.String())
	return err
}
