//go:build (!amd64 && !arm64) || purego

package mat

var peakLoops = []peakLoop{genericPeak}
