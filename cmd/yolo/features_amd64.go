package main

import (
	"fmt"

	"golang.org/x/sys/cpu"
)

func cpuFeatures() string {
	return fmt.Sprintf("AVX2=%v FMA=%v AVX512F=%v", cpu.X86.HasAVX2, cpu.X86.HasFMA, cpu.X86.HasAVX512F)
}
