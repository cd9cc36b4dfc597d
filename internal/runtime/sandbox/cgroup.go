package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cgroup is one instance's cgroup: a directory per v1 hierarchy, or one
// directory on v2. dirs[0] holds the memory files on both.
type cgroup struct {
	v2   bool
	dirs []string
}

// create makes the instance cgroup with its limits. The parent cgroups are
// created on first use and then reused.
func (h *cgroupHost) create(id string, memoryMB, pidsMax int) (*cgroup, error) {
	if err := h.ensureParents(); err != nil {
		return nil, err
	}
	cg := &cgroup{v2: h.v2}
	for _, p := range h.parents {
		dir := filepath.Join(p, id)
		if err := os.Mkdir(dir, 0o755); err != nil {
			cg.remove()
			if errors.Is(err, os.ErrExist) {
				return nil, fmt.Errorf("sandbox: instance id %q is in use: %w", id, err)
			}
			return nil, fmt.Errorf("sandbox: creating cgroup: %w", err)
		}
		cg.dirs = append(cg.dirs, dir)
	}
	if err := cg.setLimits(memoryMB, pidsMax); err != nil {
		cg.remove()
		return nil, err
	}
	return cg, nil
}

// ensureParents creates the parent cgroups; on v2 it also delegates the
// memory and pids controllers down to instance cgroups.
func (h *cgroupHost) ensureParents() error {
	for _, p := range h.parents {
		if err := os.Mkdir(p, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("sandbox: creating cgroup parent: %w", err)
		}
	}
	if !h.v2 {
		return nil
	}
	for _, dir := range []string{h.root, h.parents[0]} {
		if err := enableControllers(dir, "memory", "pids"); err != nil {
			return err
		}
	}
	return nil
}

func enableControllers(dir string, ctrls ...string) error {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	have := strings.Fields(string(b))
	var add []string
	for _, c := range ctrls {
		if !contains(have, c) {
			add = append(add, "+"+c)
		}
	}
	if len(add) == 0 {
		return nil
	}
	if err := writeFile(filepath.Join(dir, "cgroup.subtree_control"), strings.Join(add, " ")); err != nil {
		return fmt.Errorf("sandbox: delegating %v in %s (a cgroup v2 parent with processes cannot delegate): %w", add, dir, err)
	}
	return nil
}

func (c *cgroup) setLimits(memoryMB, pidsMax int) error {
	mem := strconv.FormatInt(int64(memoryMB)<<20, 10)
	pids := strconv.Itoa(pidsMax)
	if c.v2 {
		if memoryMB > 0 {
			if err := writeFile(c.file("memory.max"), mem); err != nil {
				return err
			}
			// No swap: ignore hosts built without swap accounting.
			_ = writeFile(c.file("memory.swap.max"), "0")
		}
		// An OOM kill takes down the whole instance, as the runtime dies on Lambda.
		_ = writeFile(c.file("memory.oom.group"), "1")
		return writeFile(c.pidsFile("pids.max"), pids)
	}
	if memoryMB > 0 {
		if err := writeFile(c.file("memory.limit_in_bytes"), mem); err != nil {
			return err
		}
		// memsw exists only with swap accounting; swappiness=0 is the fallback.
		if err := writeFile(c.file("memory.memsw.limit_in_bytes"), mem); err != nil {
			_ = writeFile(c.file("memory.swappiness"), "0")
		}
	}
	return writeFile(c.pidsFile("pids.max"), pids)
}

// file is a file of the memory controller.
func (c *cgroup) file(name string) string { return filepath.Join(c.dirs[0], name) }

// pidsFile is a file of the pids controller.
func (c *cgroup) pidsFile(name string) string {
	if c.v2 {
		return c.file(name)
	}
	return filepath.Join(c.dirs[1], name)
}

// addProc moves the thread group pid into the cgroup (v1; on v2 the child
// is cloned straight into it). Each v1 migration waits for an RCU grace
// period (the cgroup thread-group lock); writing to all hierarchies at once
// lets the writes share one.
func (c *cgroup) addProc(pid int) error {
	errs := make(chan error, len(c.dirs))
	for _, d := range c.dirs {
		go func() { errs <- writeFile(filepath.Join(d, "cgroup.procs"), strconv.Itoa(pid)) }()
	}
	var first error
	for range c.dirs {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// oomKills counts processes killed by the OOM killer in this cgroup.
func (c *cgroup) oomKills() int64 {
	name := "memory.oom_control"
	if c.v2 {
		name = "memory.events"
	}
	f, err := os.Open(c.file(name))
	if err != nil {
		return 0
	}
	defer f.Close()
	kv, err := parseKeyValues(f)
	if err != nil {
		return 0
	}
	return kv["oom_kill"]
}

// peak returns the highest memory use recorded, in bytes.
func (c *cgroup) peak() int64 {
	if c.v2 {
		if n, err := readInt(c.file("memory.peak")); err == nil {
			return n
		}
		return c.current()
	}
	n, _ := readInt(c.file("memory.max_usage_in_bytes"))
	return n
}

// current returns the memory use now, in bytes.
func (c *cgroup) current() int64 {
	name := "memory.usage_in_bytes"
	if c.v2 {
		name = "memory.current"
	}
	n, _ := readInt(c.file(name))
	return n
}

// procs lists the processes still in the cgroup.
func (c *cgroup) procs() []int {
	b, err := os.ReadFile(c.file("cgroup.procs"))
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// killAll kills every process left in the cgroup.
func (c *cgroup) killAll() {
	if c.v2 && writeFile(c.file("cgroup.kill"), "1") == nil {
		return
	}
	for _, pid := range c.procs() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// remove kills leftovers and removes the cgroup directories, retrying
// while the kernel finishes tearing down exiting tasks.
func (c *cgroup) remove() error {
	var last error
	for _, d := range c.dirs {
		deadline := time.Now().Add(2 * time.Second)
		for {
			err := syscall.Rmdir(d)
			if err == nil || errors.Is(err, syscall.ENOENT) {
				break
			}
			if time.Now().After(deadline) {
				last = fmt.Errorf("sandbox: removing cgroup %s: %w", d, err)
				break
			}
			c.killAll()
			time.Sleep(time.Millisecond)
		}
	}
	return last
}

// parseKeyValues parses the "key value" lines of cgroup files such as
// memory.events and memory.oom_control.
func parseKeyValues(r io.Reader) (map[string]int64, error) {
	out := map[string]int64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("sandbox: malformed cgroup line %q", sc.Text())
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("sandbox: cgroup value %q: %w", f[1], err)
		}
		out[f[0]] = n
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return out, nil
}

func readInt(name string) (int64, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

func writeFile(name, value string) error {
	f, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sandbox: writing %s to %s: %w", value, name, err)
	}
	return nil
}
