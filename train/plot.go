package train

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"

	"darkgo/yolo"
)

// A small line plotter for the loss curve: axes, ticks, a legend and
// polylines, rasterised with Bresenham's algorithm into an image.RGBA and
// written with image/png. Text uses the detector's caption font
// (yolo.DrawText).

// Series is one polyline of a plot.
type Series struct {
	Name  string
	Color color.RGBA
	X, Y  []float64 // same length; points with a non-finite or (log scale) non-positive Y are skipped
	Width int       // line width in pixels (1 or 2)
	Dots  bool      // mark every point with a 5×5 square
}

const (
	plotW, plotH                       = 900, 540
	marginL, marginR, marginT, marginB = 70, 20, 36, 46
)

// PlotPNG draws series into a plotW×plotH PNG: x linear, y logarithmic if
// logY. Axis ranges cover all points.
func PlotPNG(w io.Writer, title, xLabel string, series []Series, logY bool) error {
	img := image.NewRGBA(image.Rect(0, 0, plotW, plotH))
	fillRect(img, 0, 0, plotW, plotH, color.RGBA{255, 255, 255, 255})
	ty := func(y float64) float64 {
		if logY {
			return math.Log10(y)
		}
		return y
	}
	ok := func(y float64) bool { return !math.IsNaN(y) && !math.IsInf(y, 0) && (!logY || y > 0) }
	x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for i := range s.X {
			if ok(s.Y[i]) && !math.IsNaN(s.X[i]) {
				x0, x1 = min(x0, s.X[i]), max(x1, s.X[i])
				y0, y1 = min(y0, ty(s.Y[i])), max(y1, ty(s.Y[i]))
			}
		}
	}
	if x0 > x1 { // nothing to draw
		x0, x1, y0, y1 = 0, 1, 0, 1
	}
	if x1 == x0 {
		x1 = x0 + 1
	}
	if logY {
		y0, y1 = math.Floor(y0), math.Ceil(y1)
	}
	if y1 == y0 {
		y0, y1 = y0-0.5, y1+0.5
	}
	pw, ph := plotW-marginL-marginR, plotH-marginT-marginB
	px := func(x float64) int { return marginL + int(math.Round((x-x0)/(x1-x0)*float64(pw))) }
	py := func(y float64) int { return marginT + ph - int(math.Round((ty(y)-y0)/(y1-y0)*float64(ph))) }
	grid, black := color.RGBA{225, 225, 225, 255}, color.RGBA{0, 0, 0, 255}

	// Ticks and grid: decades on a log axis, "nice" steps otherwise.
	var yt []float64
	if logY {
		for e := y0; e <= y1; e++ {
			yt = append(yt, math.Pow(10, e))
		}
	} else {
		yt = niceTicks(y0, y1)
	}
	for _, v := range yt {
		y := py(v)
		line(img, marginL, y, marginL+pw, y, grid, 1)
		lbl := tickLabel(v)
		drawText(img, marginL-6-textWidth(lbl), y-3, lbl, black)
	}
	for _, v := range niceTicks(x0, x1) {
		x := px(v)
		line(img, x, marginT, x, marginT+ph, grid, 1)
		lbl := tickLabel(v)
		drawText(img, x-textWidth(lbl)/2, marginT+ph+6, lbl, black)
	}
	line(img, marginL, marginT, marginL, marginT+ph, black, 1)
	line(img, marginL, marginT+ph, marginL+pw, marginT+ph, black, 1)
	drawText(img, marginL, 12, title, black)
	drawText(img, marginL+pw/2-textWidth(xLabel)/2, plotH-16, xLabel, black)

	clip := image.Rect(marginL, marginT-2, marginL+pw+1, marginT+ph+3)
	sub := img.SubImage(clip).(*image.RGBA)
	for _, s := range series {
		prevOK := false
		var lx, ly int
		for i := range s.X {
			if !ok(s.Y[i]) {
				prevOK = false
				continue
			}
			x, y := px(s.X[i]), py(s.Y[i])
			if prevOK {
				line(sub, lx, ly, x, y, s.Color, max(s.Width, 1))
			}
			if s.Dots {
				fillRect(sub, x-2, y-2, x+3, y+3, s.Color)
			}
			lx, ly, prevOK = x, y, true
		}
	}
	// Legend, top right.
	lw := 0
	for _, s := range series {
		lw = max(lw, textWidth(s.Name))
	}
	lx, ly := marginL+pw-lw-40, marginT+8
	fillRect(img, lx-6, ly-6, marginL+pw-4, ly+12*len(series)+2, color.RGBA{255, 255, 255, 255})
	for i, s := range series {
		y := ly + 12*i
		line(img, lx, y+3, lx+22, y+3, s.Color, 2)
		drawText(img, lx+28, y, s.Name, black)
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("train: plot: %w", err)
	}
	return nil
}

// niceTicks returns about 5–10 round values (1, 2 or 5 × 10ᵏ apart) in [a, b].
func niceTicks(a, b float64) []float64 {
	span := b - a
	if !(span > 0) {
		return []float64{a}
	}
	step := math.Pow(10, math.Floor(math.Log10(span/5)))
	for _, m := range []float64{1, 2, 5, 10} {
		if span/(step*m) <= 10 {
			step *= m
			break
		}
	}
	var out []float64
	for v := math.Ceil(a/step) * step; v <= b+step*1e-9; v += step {
		out = append(out, v)
	}
	return out
}

// tickLabel formats a tick compactly: 0.001 → 1e-3, 25000 → 25000.
func tickLabel(v float64) string {
	if v != 0 && (math.Abs(v) < 0.01 || math.Abs(v) >= 1e6) {
		s := strconv.FormatFloat(v, 'e', -1, 64)
		// 1e-03 → 1e-3
		if i := len(s) - 3; i > 0 && s[i+1] == '0' {
			s = s[:i+1] + s[i+2:]
		}
		return s
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

func fillRect(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	r := image.Rect(x0, y0, x1, y1).Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

// line draws from (x0, y0) to (x1, y1) with Bresenham's algorithm, each
// point a width×width square; points outside img are dropped.
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA, width int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		for j := range width {
			for i := range width {
				if p := image.Pt(x0+i, y0+j); p.In(img.Rect) {
					img.SetRGBA(p.X, p.Y, c)
				}
			}
		}
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func sign(x int) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// textWidth is the width in pixels of s in yolo's caption font.
func textWidth(s string) int {
	w, _ := yolo.TextSize(s, 1)
	return w
}

// drawText draws s with its top-left corner at (x, y) in yolo's 5×7
// caption font.
func drawText(img *image.RGBA, x, y int, s string, c color.RGBA) {
	yolo.DrawText(img, x, y, s, 1, c)
}
