package server

import (
	"os"
	"runtime"
)

// extraProcs is how many Ps a server process runs beyond the CPUs Go would
// use.
const extraProcs = 2

// SetProcs sets GOMAXPROCS for a process that runs a Nubo server, unless the
// GOMAXPROCS environment variable already chose it, and returns the value in
// effect. A goroutine blocked in fsync or fdatasync keeps its P until the
// runtime's monitor takes it back, which can take milliseconds; Nubo fsyncs
// on every durable write (blobs, directories, the store's log), so on a
// machine with few cores those blocked Ps left a third of the CPU idle under
// write load. Two more Ps than CPUs keep the cores busy while syncs are in
// flight (SQS single sends on 2 cores: 4,400 → 5,400/s; 1 MiB PUTs with 16
// clients: 0.36 → 0.47 of the disk's write bandwidth). It changes process-wide
// state, so only main functions call it.
func SetProcs() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0)
	}
	n := runtime.GOMAXPROCS(0) + extraProcs // GOMAXPROCS(0) already honours cgroup CPU limits
	runtime.GOMAXPROCS(n)
	return n
}
