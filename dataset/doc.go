// Package dataset implements reading and validating the seed's annotation
// and class-names files, and the image helpers that training, evaluation
// and the loss share: decoding to RGB, OpenCV-style bilinear resizing and
// the letterbox of SPEC §5.2.
//
// # The annotation format (SPEC §6.1)
//
// One image per line, the path first, then one token per object:
//
//	/data/mnist_train/000001.jpg 12,40,54,82,7 200,10,284,94,3
//	                             xmin,ymin,xmax,ymax,class
//
// Coordinates are integer pixels of the original image, origin top-left.
// SplitLine documents how a path containing spaces is told apart from the
// boxes. Errors name the file and line ("train.txt:12: box 2 …"), and the
// files are only ever read (the seed's Delete_bad_annotation rewrote them).
//
// # Images
//
// Image holds 8-bit RGB, interleaved: Pix[(y·W + x)·3 + c]. Letterbox
// returns float32 planes (C, H, W) in [0, 1], so a batch is NCHW:
//
//	size×size frame, pad 128/255
//	┌──────────────────┐
//	│   pad (DY rows)  │
//	├──────────────────┤
//	│  image NW×NH at  │
//	│  (DX, DY)        │
//	├──────────────────┤
//	│   pad            │
//	└──────────────────┘
//
// Reading order: annotations.go, then image.go.
//
// Left out: augmentation and label assignment (the trainer's), shuffling
// (callers pass their own *rand.Rand), and caching decoded images.
package dataset
