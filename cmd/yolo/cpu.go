package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"sync"
	"time"

	"darkgo/mat"
)

var cpuCommand = &command{
	name:  "cpu",
	usage: "[-seconds 0.5]",
	short: "show the CPU features, the GEMM kernel in use and this machine's speed",
	long: `Cpu prints which instruction-set features were detected and which GEMM
micro-kernels can run (the first is the one in use), then measures, for each
instruction set, the fp32 peak (an FMA-throughput loop) and the GEMM speed at
n = 1024, on one worker and on all workers, with the GEMM as a percentage of
the peak measured in the same run.`,
	setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
		seconds := fs.Float64("seconds", 0.5, "measuring time per figure")
		return func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: cpu takes no arguments", errUsage)
			}
			return runCPU(ctx, time.Duration(*seconds*float64(time.Second)))
		}
	},
}

func runCPU(ctx context.Context, d time.Duration) error {
	fmt.Printf("GOARCH %s, GOMAXPROCS %d\n", runtime.GOARCH, runtime.GOMAXPROCS(0))
	fmt.Printf("features: %s\n", cpuFeatures())
	names := mat.KernelNames()
	fmt.Printf("GEMM kernels (best first): %v; in use: %s\n\n", names, names[0])
	fmt.Printf("%-8s %7s %14s %16s %6s\n", "kernel", "workers", "peak GFLOP/s", "GEMM n=1024", "ratio")
	const n = 1024
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = float32(i%7)-3, float32(i%5)-2
	}
	workerCounts := []int{1}
	if p := runtime.GOMAXPROCS(0); p > 1 {
		workerCounts = append(workerCounts, p)
	}
	for _, name := range names {
		for _, workers := range workerCounts {
			peak := rate(ctx, d, func() float64 {
				var wg sync.WaitGroup
				for range workers {
					wg.Go(func() { mat.RunPeak(name, 1<<16) })
				}
				wg.Wait()
				return float64(workers) * mat.RunPeak(name, 1) * (1 << 16)
			})
			g, err := mat.NewGemmKernel(name, workers)
			if err != nil {
				return err
			}
			gemm := rate(ctx, d, func() float64 {
				g.Sgemm(mat.NoTrans, mat.NoTrans, n, n, n, 1, a, n, b, n, 0, c, n)
				return 2 * n * n * n
			})
			if err := ctx.Err(); err != nil {
				return err
			}
			fmt.Printf("%-8s %7d %14.1f %16.1f %5.0f%%\n", name, workers, peak, gemm, 100*gemm/peak)
		}
	}
	return nil
}

// rate calls f (which returns the floating-point operations it did) for
// about d and returns GFLOP/s. It stops early when ctx is cancelled.
func rate(ctx context.Context, d time.Duration, f func() float64) float64 {
	var flops float64
	start := time.Now()
	for time.Since(start) < d || flops == 0 {
		if ctx.Err() != nil {
			break
		}
		flops += f()
	}
	return flops / time.Since(start).Seconds() / 1e9
}
