// Package cputime reads the CPU time this process has used, for benchmarks
// and cost tests that report CPU rather than wall time (the machines they
// run on are shared, so wall time says more about the neighbours).
package cputime
