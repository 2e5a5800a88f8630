// Package mnist implements the tutorial's MNIST detection data: an IDX
// reader for the MNIST files, the embedded MNIST test set, and the
// synthesis of 416×416 canvases of scattered digits with their boxes
// (SPEC §10).
//
// # Sources
//
// Embedded returns the 10,000 test digits committed in this directory
// (t10k-*.gz, MNIST by Y. LeCun, C. Cortes and C. J. C. Burges,
// CC BY-SA 3.0; see LICENSE-MNIST), so nothing is downloaded. ReadDir reads
// the official four files (60,000 + 10,000 digits) from a directory. A Set
// holds the digits as in the files, ink 255 on black:
//
//	Pix[i·Rows·Cols + y·Cols + x], i = digit, Labels[i] ∈ 0…9
//
// # Canvases
//
// Synthesize draws one canvas: white, with 1 to 12 dark digits in three
// size groups (sides 14, 22 | 28, 42, 56 | 84, 112), placed so that no two
// boxes overlap by IoU ≥ 0.02 (the seed's overlap score, sum of areas
// instead of union, is fixed: SPEC §12 quirk 1). WriteSplit writes a split
// as JPEGs plus an annotation file in the seed's format (package dataset).
// All randomness comes from a *rand.Rand the caller seeds.
//
// Reading order: idx.go, embed.go, synth.go.
//
// Left out: the seed's PGM zip files (the IDX files carry the same digits,
// inverted here as 255 − ink) and printing each annotation line.
package mnist
