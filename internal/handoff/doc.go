// Package handoff passes jobs from a calling goroutine to one helper
// goroutine and waits for them, the helper watching for its next job for a
// while before it blocks.
//
// It is its own package because two packages hand work to helpers this
// way: mat, to the workers of one GEMM, and conv, to the crew of a
// convolution Workspace. On the 2-core host this project is measured on, a
// goroutine blocked on a channel starts 110–210 µs after it is sent work
// while the sender keeps its core busy (medians of 200 hand-overs): more
// than a small GEMM or a layer's im2col takes.
package handoff
