//go:build race

package app_test

// The race detector slows signing some twentyfold; see raceDetector.
func init() { raceDetector = true }
