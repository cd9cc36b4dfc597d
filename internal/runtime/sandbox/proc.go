package sandbox

import (
	"fmt"
	"syscall"
)

// Proc is what the platform needs of a running function instance,
// whichever way it was started: *Instance (Start) and the instances a
// zygote spawns (package zygote) both satisfy it.
type Proc interface {
	// Pid returns the host PID of the instance's top process.
	Pid() int
	// Wait waits until every process of the instance is gone and returns
	// how its main process ended.
	Wait() (ExitStatus, error)
	// Kill kills every process of the instance at once.
	Kill() error
	// Signal sends sig to the workload's main process.
	Signal(sig syscall.Signal) error
	// MemoryUsedBytes returns the instance's current memory use.
	MemoryUsedBytes() int64
	// MaxMemoryUsedBytes returns the instance's peak memory use; it stays
	// valid after Wait and Close.
	MaxMemoryUsedBytes() int64
	// Close kills the instance if it still runs, waits for it and releases
	// what it held.
	Close() error
}

var _ Proc = (*Instance)(nil)

// Cgroup is one instance's cgroup (a directory per cgroup v1 hierarchy, or
// one on v2) with a memory and a pids limit, for callers that place
// processes themselves. Its methods are safe for concurrent use.
type Cgroup struct {
	cg *cgroup
}

// NewCgroup creates the cgroup named id (the same names as Config.ID) with
// a hard memory limit (zero: none; swap disabled where possible) and a pids
// limit (zero: DefaultPidsMax), under the parent Start uses. It fails when
// the host is not in Isolated mode.
func NewCgroup(id string, memoryMB, pidsMax int) (*Cgroup, error) {
	if !idPattern.MatchString(id) {
		return nil, fmt.Errorf("sandbox: invalid instance id %q", id)
	}
	if memoryMB < 0 || pidsMax < 0 {
		return nil, fmt.Errorf("sandbox: negative limit")
	}
	h, reason := detect()
	if h == nil {
		return nil, fmt.Errorf("sandbox: cgroups unavailable: %s", reason)
	}
	cg, err := h.create(id, memoryMB, orDefault(pidsMax, DefaultPidsMax))
	if err != nil {
		return nil, err
	}
	return &Cgroup{cg: cg}, nil
}

// AddProc moves the process (thread group) pid into the cgroup. Children
// it forks afterwards are born inside.
func (c *Cgroup) AddProc(pid int) error { return c.cg.addProc(pid) }

// Procs lists the host PIDs of the processes in the cgroup.
func (c *Cgroup) Procs() []int { return c.cg.procs() }

// KillAll sends SIGKILL to every process in the cgroup.
func (c *Cgroup) KillAll() { c.cg.killAll() }

// MemoryUsedBytes returns the cgroup's current memory use.
func (c *Cgroup) MemoryUsedBytes() int64 { return c.cg.current() }

// MaxMemoryUsedBytes returns the cgroup's peak memory use.
func (c *Cgroup) MaxMemoryUsedBytes() int64 { return c.cg.peak() }

// OOMKilled reports whether the OOM killer killed a process of the cgroup.
func (c *Cgroup) OOMKilled() bool { return c.cg.oomKills() > 0 }

// Remove kills what is left in the cgroup and removes it.
func (c *Cgroup) Remove() error { return c.cg.remove() }
