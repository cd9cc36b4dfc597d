//go:build race

package lambda

// raceEnabled reports whether the race detector is on (figures are not
// measured under it).
const raceEnabled = true
