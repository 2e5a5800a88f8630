package mat

// A peak loop measures the CPU's fp32 multiply-add throughput for one
// instruction set, so that every GEMM figure can be stated as a fraction of
// a peak measured in the same run.
type peakLoop struct {
	name      string
	available bool
	flops     float64             // floating-point operations per iteration
	fn        func(n int) float32 // runs n iterations, returns n
}

// PeakLoops names the FMA-throughput loops this CPU can run (the same names
// as the GEMM kernels that use the same instructions).
func PeakLoops() []string {
	var names []string
	for _, p := range peakLoops {
		if p.available {
			names = append(names, p.name)
		}
	}
	return names
}

// RunPeak runs n iterations of the named peak loop and returns the number of
// floating-point operations performed, or 0 for an unknown or unavailable name.
func RunPeak(name string, n int) float64 {
	for _, p := range peakLoops {
		if p.name == name && p.available {
			p.fn(n)
			return p.flops * float64(n)
		}
	}
	return 0
}
