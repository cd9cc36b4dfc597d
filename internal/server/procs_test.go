package server

import (
	"runtime"
	"testing"
)

func TestSetProcs(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(before) })
	tests := []struct {
		name, env string
		want      int
	}{
		{"unset: two more than Go's choice", "", before + extraProcs},
		{"set by the environment: kept", "1", before},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtime.GOMAXPROCS(before)
			t.Setenv("GOMAXPROCS", tt.env)
			if got := SetProcs(); got != tt.want || runtime.GOMAXPROCS(0) != tt.want {
				t.Errorf("SetProcs = %d, GOMAXPROCS = %d, want %d", got, runtime.GOMAXPROCS(0), tt.want)
			}
		})
	}
}
