package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat CPU times on Linux.
const clockTicks = 100

// procCPU returns the user+system CPU time pid has used so far, or 0 when
// /proc cannot tell.
func procCPU(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name in parentheses may hold spaces; fields follow it.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// cpuMeter measures the CPU a process uses over a phase.
type cpuMeter struct {
	pid   string
	cpu0  time.Duration
	wall0 time.Time
}

func startCPU(pid string) cpuMeter {
	return cpuMeter{pid: pid, cpu0: procCPU(pid), wall0: time.Now()}
}

// report describes the CPU used since start, and per unit of work when
// units is positive.
func (m cpuMeter) report(who string, units int64, unit string) string {
	cpu := procCPU(m.pid) - m.cpu0
	wall := time.Since(m.wall0)
	s := fmt.Sprintf("%s CPU %.2f s in %.1f s wall = %.2f cores busy", who, cpu.Seconds(), wall.Seconds(), cpu.Seconds()/wall.Seconds())
	if units > 0 {
		s += fmt.Sprintf(", %.0f µs per %s", float64(cpu.Microseconds())/float64(units), unit)
	}
	return s
}

// fsyncProbe appends 200-byte records to a file in dir, each followed by
// fdatasync, for d, and returns the rate and median latency: the floor
// under any durable write on this disk.
func fsyncProbe(dir string, d time.Duration) (float64, time.Duration, error) {
	f, err := os.Create(filepath.Join(dir, "fsync-probe"))
	if err != nil {
		return 0, 0, fmt.Errorf("fsync probe: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	rec := make([]byte, 200)
	var lat []time.Duration
	start := time.Now()
	for time.Since(start) < d {
		if _, err := f.Write(rec); err != nil {
			return 0, 0, fmt.Errorf("fsync probe: %w", err)
		}
		t0 := time.Now()
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return 0, 0, fmt.Errorf("fsync probe: %w", err)
		}
		lat = append(lat, time.Since(t0))
	}
	sortD(lat)
	return float64(len(lat)) / time.Since(start).Seconds(), pct(lat, 0.5), nil
}

// serverWho names whose CPU a target's meter counts.
func serverWho(t *target) string {
	if t.pid == "self" {
		return "bench process (Nubo server and clients together)"
	}
	return t.name + " server process (clients excluded)"
}
