// Package autograd implements a minimal reverse-mode automatic
// differentiation tape over the layers of package conv: just enough to
// train YOLOv3 and YOLOv3-tiny.
//
// A Var holds a Value and, once a gradient reaches it, a Grad of the same
// shape. Each op on a Tape (Conv2D, BatchNorm, ConvBN, Leaky, Add, Concat,
// Upsample2x, MaxPool, AddBias) computes its forward result at once with
// conv and appends one closure that accumulates its inputs' gradients with
// += (so a variable used twice receives the sum). Ops are recorded in
// execution order, which is already a topological order: Backward seeds the
// output gradients and runs the closures in reverse, with no graph search.
//
// A training step:
//
//	tape := autograd.NewTape(conv.NewWorkspace(0))
//	w := autograd.Param(weights)                // trainable, Grad allocated
//	for each step {
//		autograd.ZeroGrad(params...)
//		x := autograd.Const(images)             // [N, 3, H, W], no gradient
//		y := tape.ConvBN(x, w, 1, 1, bn, true, conv.Leaky) // conv → BN → leaky
//		…
//		loss, dOut := lossFn(out.Value)          // read values before Backward
//		tape.Backward([]*autograd.Var{out}, []*mat.Tensor{dOut})
//		optimizer step on params' Value and Grad
//		tape.Reset()                            // recycle this step's tensors
//	}
//
// For validation set tape.NoGrad = true: ops still run but record nothing,
// and Reset recycles their outputs.
//
// # Memory
//
// The tape owns every tensor it creates (op outputs, gradients, saved batch
// statistics) and recycles them through a pool keyed by shape, so from the
// second step on a training step allocates nothing large. During Backward
// each op's output value and gradient return to the pool as soon as the
// op's closure has run, so later (earlier-layer) gradients reuse them and
// the peak stays near the forward activations. Ops keep exactly what their
// backward needs: Conv2D its input and weights, BatchNorm its input, output
// and per-channel μ and 1/√(σ²+ε), MaxPool its input, Leaky its output.
//
// For YOLOv3's convolution unit use ConvBN (with act = conv.Leaky): it
// normalises the convolution output in place and keeps one activation-sized
// tensor per layer, where Conv2D, BatchNorm and Leaky as three ops keep
// three. With ConvBN the activations of a YOLOv3 training step at 416×416,
// batch 4, peak at about 0.9 GB (TestYOLOv3StepMemory measures it at 1/8
// width; PeakBytes reports it for any graph).
//
// # Reading order
//
// tape.go (Var, Tape, Backward, Reset: the core), ops.go (one function per
// op, forward next to backward), pool.go. gradcheck_test.go checks every op
// against float64 central differences.
//
// # Left out
//
// Higher-order gradients, ops YOLOv3 does not use, concurrency inside the
// tape, and any package-level tape.
package autograd
