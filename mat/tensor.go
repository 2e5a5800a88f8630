package mat

import (
	"fmt"
	"strings"
)

// Tensor is a dense float32 array with a shape, stored contiguously in
// row-major order: the last dimension varies fastest. Images are NCHW, so
// element (n, c, y, x) of a [N, C, H, W] tensor is at ((n·C + c)·H + y)·W + x.
type Tensor struct {
	Shape []int     // dimensions, outermost first
	Data  []float32 // len(Data) == product of Shape
}

// New returns a zero tensor of the given shape. It panics on a negative
// dimension: shapes come from code, not from user input.
func New(shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, Size(shape...))}
}

// FromData wraps data as a tensor of the given shape without copying.
func FromData(data []float32, shape ...int) *Tensor {
	if len(data) != Size(shape...) {
		panic(fmt.Sprintf("mat: FromData: %d values for shape %v", len(data), shape))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}
}

// Size is the number of elements of a tensor of the given shape.
func Size(shape ...int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("mat: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

// Len is the number of elements.
func (t *Tensor) Len() int { return len(t.Data) }

// Dim returns dimension i; negative i counts from the end (-1 is the last).
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.Shape)
	}
	return t.Shape[i]
}

// SameShape reports whether t and u have identical shapes.
func (t *Tensor) SameShape(u *Tensor) bool {
	if len(t.Shape) != len(u.Shape) {
		return false
	}
	for i := range t.Shape {
		if t.Shape[i] != u.Shape[i] {
			return false
		}
	}
	return true
}

// Reshape changes the shape in place (the element count must not change)
// and returns t.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	if Size(shape...) != len(t.Data) {
		panic(fmt.Sprintf("mat: Reshape %v to %v changes the element count", t.Shape, shape))
	}
	t.Shape = append(t.Shape[:0], shape...)
	return t
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Zero sets every element to 0.
func (t *Tensor) Zero() { clear(t.Data) }

// String prints the shape, for error messages: "[1 3 416 416]".
func (t *Tensor) String() string {
	parts := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
