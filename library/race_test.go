//go:build race

package library

// raceEnabled: the race detector multiplies a process's memory several times.
const raceEnabled = true
