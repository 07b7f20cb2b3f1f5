//go:build !unix

package cputime

import "time"

var processStart = time.Now()

// Process falls back to the wall time since the process started where CPU
// time is not read.
func Process() time.Duration { return time.Since(processStart) }
