package main

import (
	"fmt"

	"golang.org/x/sys/cpu"
)

func cpuFeatures() string { return fmt.Sprintf("ASIMD=%v", cpu.ARM64.HasASIMD) }
