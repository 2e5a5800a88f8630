// Package yolo implements YOLOv3 and YOLOv3-tiny: the networks as darknet
// layer lists for any class count and input size, darknet .weights files
// in and out, a fused inference forward pass and a training forward pass on
// an autograd tape, and detection (letterbox, decode, postprocess, NMS,
// drawing).
//
// # Legend
//
//	N      batch size
//	K      number of classes; F = 5 + K values per box
//	A      anchors (boxes) per cell and scale, 3
//	H×W    network input, multiples of 32 (non-square allowed)
//	s      head stride: 8, 16, 32 (tiny: 16, 32); grid Gh×Gw = (H/s)×(W/s)
//	Cin/Cout, k   conv input/output channels and kernel side
//
// # The network as data
//
// NewArch builds darknet's layer list exactly as yolov3.cfg and
// yolov3-tiny.cfg order it (107 and 24 layers; conv indices are the
// .weights order of SPEC §3): Convolutional (BN + leaky 0.1, or a linear
// 1×1 head conv with bias), Shortcut, Route, Upsample, MaxPool and YOLO
// layers. Arch.NewPlan lays it out for an input size (shapes, FLOPs) and
// Plan.WriteTable prints darknet's start-up table. Model holds the
// parameters: per conv W [Cout, Cin, k, k], Bias [Cout] (BN β or the head
// bias) and, for BN convs, Gamma, Mean, Var [Cout].
//
// # Raw head outputs
//
// Both forward passes return one tensor per head, ordered as Arch.Heads:
// by increasing stride (yolov3: s8, s16, s32; tiny: s16, s32), the upstream
// model's order and the reverse of darknet's. Each is NCHW
//
//	raw [N, A·F, Gh, Gw],  channel a·F + f,  f: 0 tx, 1 ty, 2 tw, 3 th, 4 objectness, 5… class logits
//
//	channel:  | a=0: tx ty tw th obj c0 … cK−1 | a=1: … | a=2: … |
//	each channel is a Gh×Gw plane, row-major
//
// which is darknet's layout, so darknet weights need no permutation.
// Decode turns one image's raw head into rows [bx, by, bw, bh, σ(obj),
// σ(c)…] in (row, col, anchor) order, the upstream's (S, S, 3, F) tensor.
//
// # Two forward passes
//
// Inference (NewInference) folds batch norm into the conv weights and runs
// conv.Conv2DInferAdd with a fused bias + leaky (+ residual, when a conv
// feeds only the shortcut after it) epilogue, or conv.Conv2DWinograd for
// the 3×3 convolutions where conv.WinogradPays for the batch size
// (SetWinograd(false) turns that off), reusing activation buffers. Those
// layers keep their weights transformed too, 16/9 of their size: for
// YOLOv3 at 416×416, 29 M floats, and 59 M more (235 MB) at batch ≥ 3,
// where the 13×13 layers take Winograd. Detector wraps it with letterbox,
// decode, postprocess and NMS for a batch of images. TrainNet (NewTrainNet) records the same network on
// an autograd.Tape — batch norm with batch statistics in training mode or
// running statistics for validation — and returns the raw heads as Vars to
// seed Backward with the loss gradient. Its Vars share memory with the
// Model, so Model.SaveWeights checkpoints the trained state in darknet
// format. Batch-norm ε is conv.BNEpsilon (1e-3, the tutorial's).
//
// # Conventions
//
// Images are fed as RGB /255, as darknet does (the tutorial feeds BGR by
// accident, SPEC §12.6). NMS output is sorted by score (the tutorial's
// order follows a hash set, §12.15). Class colours are the tutorial's
// tables for K = 10 and 80, as they appear on its BGR images.
//
// # Reading order
//
// arch.go (layer lists), shape.go (plans, the table), model.go (parameters,
// counts), weights.go (the file format, transfer), infer.go, train.go,
// decode.go (decode, postprocess, NMS), image.go, draw.go, font.go,
// detect.go, npy.go, names.go.
//
// # Left out
//
// Other darknet layer types and cfg parsing, YOLOv4, multi-scale training,
// and darknet's CPU batch-norm variant (ε outside the square root).
package yolo
