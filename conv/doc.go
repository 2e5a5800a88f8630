// Package conv implements the layers of YOLOv3 and YOLOv3-tiny on NCHW
// float32 tensors, forward and backward: 2-D convolution through im2col and
// the packed GEMM of package mat, batch normalisation, LeakyReLU(0.1),
// residual add, channel concat (darknet's route), nearest 2× upsampling,
// max pooling and a per-channel bias; plus a fused inference path where
// batch normalisation is folded into the convolution weights and the bias,
// activation and a residual add are applied in one pass after the GEMM, and
// where it pays, a 3×3 stride-1 convolution computed with Winograd's
// F(2×2, 3×3) (winograd.go: 16 GEMMs of depth Cin instead of one of depth
// 9·Cin, 2.25× fewer multiplies).
//
// # Legend
//
//	N        batch size
//	Cin/Cout input/output channels
//	H×W      input height and width; Ho×Wo output height and width
//	k        square kernel size (odd: 1, 3, …); s stride; p padding
//	HW       Ho·Wo, the number of output pixels of one image
//	M        N·H·W, the number of values per channel in batch statistics
//
// # Layout
//
// Every image tensor is row-major NCHW: element (n, c, y, x) of a
// [N, C, H, W] tensor is at ((n·C + c)·H + y)·W + x, so one image is a
// [C, H·W] matrix with one row per channel:
//
//	x.Data: | image 0                      | image 1 | …
//	        | c0: y0 row, y1 row, … | c1: … |
//
// Weights are [Cout, Cin, k, k], i.e. a [Cout, Cin·k·k] matrix W. The
// convolution of one image is one GEMM:
//
//	col[Cin·k·k, HW]  = im2col(x[Cin, H, W])     row (c, i, j) holds x[c, oy·s−p+i, ox·s−p+j]
//	y[Cout, HW]       = W[Cout, Cin·k·k] · col
//	dW[Cout, Cin·k·k] += dY[Cout, HW] · colᵀ
//	dcol[Cin·k·k, HW] = Wᵀ · dY, then col2im scatter-adds dcol into dX[Cin, H, W]
//
// The columns are processed in tiles of about a thousand output pixels, so
// each col tile (about 1 MB) is still in cache when the GEMM packs it; a
// tile's rows are padded to a multiple of 16 floats (colLd) so that the
// GEMM, which may read them in place, loads whole cache lines. A 1×1
// stride-1 unpadded convolution skips im2col: col is x itself.
// Padding is darknet's: p zero pixels on every side, Ho = (H + 2p − k)/s + 1,
// and "same" convolutions use p = k/2. For even input sides this equals the
// upstream Keras model's top-left padding of its stride-2 convolutions
// (SPEC §2.1).
//
// # Semantics of the backward functions
//
// Every backward function ACCUMULATES into the gradients it is given
// (dX += …, dW += …), so a tensor used twice receives the sum of its
// gradients, exactly as the autograd tape needs. Zero gradients before the
// first use. A nil gradient argument means "not needed" and is skipped
// (for example dX of the input image).
//
// BatchNormBackwardInPlace is the one exception: it is for
// a batch norm computed in place over its input (the fused convolution unit
// of package autograd) and overwrites its dy with dX.
//
// # Scratch memory and threads
//
// A Workspace owns a GEMM using all its workers and a crew of workers, each
// with a one-thread GEMM, an im2col tile buffer and a partial dW. A layer
// that splits into enough independent pieces (output tiles in the forward
// pass, images or chunks of their pixels in the backward pass) is shared
// out among the crew, so the workers never wait for each other inside a
// layer; a smaller layer runs on
// the all-worker GEMM with im2col and col2im split by input channels. The
// buffers grow to the largest layer seen and are then reused, so
// steady-state calls do not allocate. A Workspace is not safe for
// concurrent use.
//
// # Reading order
//
// conv.go (Conv2DForward, Conv2DBackward, the fused inference convolution
// and FoldBatchNorm), winograd.go (the inference-only F(2×2, 3×3)),
// workspace.go (the crew), im2col.go (row by row, and
// one contiguous copy per tap for stride-1 "same" convolutions), stride2.go
// (stride 2 through parity planes),
// batchnorm.go, layers.go (leaky, add, concat, upsample, maxpool, bias),
// parallel.go (how the elementwise layers share channels among
// goroutines), kernels_generic.go (the elementwise kernels, including the
// 2×2 max-pool gradient, with assembly versions in conv_amd64.s and
// conv_arm64.s, dispatched in conv_amd64.go, conv_arm64.go, conv_noasm.go).
//
// # Left out
//
// Kernels of even size, dilation, groups, and any padding other than
// darknet's symmetric one. Batch statistics are per call, never across
// workers or machines. The elementwise layers (batch norm, max pool,
// add, upsample) split their channels or planes among up to GOMAXPROCS
// goroutines of their own (parallelFor), not the workspace's workers:
// they take no Workspace. Each channel's result does not depend on the
// split, so the bits do not either (TestLayersGoroutinesBitIdentical).
package conv
