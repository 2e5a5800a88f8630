package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"darkgo/mat"
)

var cpuCommand = &command{
	name:  "cpu",
	usage: "[-seconds 2]",
	short: "show the CPU features, the GEMM kernel in use and its speed",
	long: `Cpu prints which instruction-set features were detected, which GEMM
micro-kernels can run (the first is used), and measures this machine's GEMM
GFLOP/s on one worker and on all workers, in a few seconds.`,
	setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
		seconds := fs.Float64("seconds", 2, "measuring time per figure")
		return func(ctx context.Context, args []string) error {
			return runCPU(ctx, *seconds)
		}
	},
}

func runCPU(ctx context.Context, seconds float64) error {
	fmt.Printf("GOARCH %s, GOMAXPROCS %d\n", runtime.GOARCH, runtime.GOMAXPROCS(0))
	fmt.Printf("features: %s\n", cpuFeatures())
	fmt.Printf("GEMM kernels available (best first): %v\n", mat.KernelNames())
	n := 1024
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = float32(i%7)-3, float32(i%5)-2
	}
	for _, name := range mat.KernelNames() {
		for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
			g, err := mat.NewGemmKernel(name, workers)
			if err != nil {
				return err
			}
			d := time.Duration(seconds * float64(time.Second))
			calls, start := 0, time.Now()
			for time.Since(start) < d || calls == 0 {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				g.Sgemm(mat.NoTrans, mat.NoTrans, n, n, n, 1, a, n, b, n, 0, c, n)
				calls++
			}
			gflops := 2 * float64(n*n*n) * float64(calls) / time.Since(start).Seconds() / 1e9
			fmt.Fprintf(os.Stdout, "  %-8s workers=%d  n=%d  %7.1f GFLOP/s\n", name, workers, n, gflops)
		}
		if name == "Generic" {
			break
		}
	}
	return nil
}
