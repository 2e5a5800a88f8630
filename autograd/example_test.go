package autograd_test

import (
	"fmt"

	"darkgo/autograd"
	"darkgo/conv"
	"darkgo/mat"
)

// A 1×1 convolution with two output channels on a 1×1×2×2 image, then a
// residual add of its own output: y = c + c with c = conv(x, w), so
// dW = 2·Σ dY·x.
func Example() {
	tape := autograd.NewTape(conv.NewWorkspace(1))
	x := autograd.Const(mat.FromData([]float32{1, 2, 3, 4}, 1, 1, 2, 2))
	w := autograd.Param(mat.FromData([]float32{0.5, -1}, 2, 1, 1, 1))

	c := tape.Conv2D(x, w, 1, 0)
	y := tape.Add(c, c)
	fmt.Println("y:", y.Value.Data)

	dy := mat.New(y.Value.Shape...)
	for i := range dy.Data {
		dy.Data[i] = 1
	}
	tape.Backward([]*autograd.Var{y}, []*mat.Tensor{dy})
	fmt.Println("dW:", w.Grad.Data)
	tape.Reset()
	// Output:
	// y: [1 2 3 4 -2 -4 -6 -8]
	// dW: [20 20]
}
