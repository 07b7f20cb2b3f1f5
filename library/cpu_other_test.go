//go:build !unix

package library

import "time"

var processStart = time.Now()

// cpuTime falls back to wall time where CPU time is not read.
func cpuTime() time.Duration { return time.Since(processStart) }
