package sandbox

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// parentName is the cgroup under which every instance's cgroup is created.
const parentName = "nubo-sandbox"

// capSysAdmin is the bit of CAP_SYS_ADMIN in /proc/self/status CapEff.
const capSysAdmin = 21

// cgroupHost is where this host's instance cgroups go.
type cgroupHost struct {
	v2 bool
	// parents are the parent directories of instance cgroups: on v1 one
	// per controller (memory, then pids), on v2 exactly one.
	parents []string
	// root is the cgroup v2 mount point (v2 only).
	root string
}

// mountEntry is the part of a /proc/self/mountinfo line this package needs.
type mountEntry struct {
	root, point, fstype, opts, superOpts string
}

// detect finds out whether Isolated mode is possible and, if so, how to
// create cgroups. It returns a nil host and the reason when it is not.
func detect() (*cgroupHost, string) {
	if os.Geteuid() != 0 {
		return nil, fmt.Sprintf("not running as root (euid %d): no namespaces or cgroups", os.Geteuid())
	}
	if ok, err := hasCapSysAdmin(); err != nil || !ok {
		return nil, "CAP_SYS_ADMIN is not in the effective capability set"
	}
	for _, ns := range []string{"mnt", "pid", "ipc", "uts"} {
		if _, err := os.Stat("/proc/self/ns/" + ns); err != nil {
			return nil, fmt.Sprintf("kernel without %s namespaces", ns)
		}
	}
	mounts, err := readMounts()
	if err != nil {
		return nil, err.Error()
	}
	own, err := readOwnCgroups()
	if err != nil {
		return nil, err.Error()
	}
	return cgroupLayout(mounts, own)
}

// cgroupLayout picks cgroup v2 when /sys/fs/cgroup is the unified hierarchy
// with the memory and pids controllers, and otherwise the v1 memory and
// pids hierarchies. No freezer is needed: killing the PID namespace's init
// kills the whole instance, and every v1 migration costs an RCU grace period.
func cgroupLayout(mounts []mountEntry, own map[string]string) (*cgroupHost, string) {
	for _, m := range mounts {
		if m.fstype == "cgroup2" && m.point == "/sys/fs/cgroup" {
			return cgroupV2Layout(m)
		}
	}
	h := &cgroupHost{}
	for _, ctrl := range []string{"memory", "pids"} {
		m, ok := findV1Mount(mounts, ctrl)
		if !ok {
			return nil, fmt.Sprintf("cgroup v1 %s controller is not mounted and /sys/fs/cgroup is not cgroup v2", ctrl)
		}
		if hasOpt(m.opts, "ro") {
			return nil, fmt.Sprintf("cgroup %s hierarchy %s is mounted read-only", ctrl, m.point)
		}
		h.parents = append(h.parents, filepath.Join(v1OwnDir(m, own[ctrl]), parentName))
	}
	return h, "namespaces (mnt, pid, ipc, uts) and cgroup v1 (memory, pids)"
}

func cgroupV2Layout(m mountEntry) (*cgroupHost, string) {
	if hasOpt(m.opts, "ro") {
		return nil, "cgroup v2 at /sys/fs/cgroup is mounted read-only"
	}
	b, err := os.ReadFile(filepath.Join(m.point, "cgroup.controllers"))
	if err != nil {
		return nil, fmt.Sprintf("cgroup v2: %v", err)
	}
	ctrls := strings.Fields(string(b))
	for _, want := range []string{"memory", "pids"} {
		if !contains(ctrls, want) {
			return nil, fmt.Sprintf("cgroup v2 root lacks the %s controller", want)
		}
	}
	h := &cgroupHost{v2: true, root: m.point, parents: []string{filepath.Join(m.point, parentName)}}
	return h, "namespaces (mnt, pid, ipc, uts) and cgroup v2 (memory, pids)"
}

// v1OwnDir returns the directory of this process's own cgroup in a v1
// hierarchy, so that instances nest under it; it falls back to the
// hierarchy's mount point when the path is not visible.
func v1OwnDir(m mountEntry, own string) string {
	rel := own
	if m.root != "/" {
		rel = strings.TrimPrefix(own, m.root)
	}
	dir := filepath.Join(m.point, rel)
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	return m.point
}

func findV1Mount(mounts []mountEntry, ctrl string) (mountEntry, bool) {
	for _, m := range mounts {
		if m.fstype == "cgroup" && hasOpt(m.superOpts, ctrl) {
			return m, true
		}
	}
	return mountEntry{}, false
}

func hasOpt(opts, want string) bool {
	return contains(strings.Split(opts, ","), want)
}

func contains(list []string, want string) bool {
	for _, s := range list {
		if s == want {
			return true
		}
	}
	return false
}

func readMounts() ([]mountEntry, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	defer f.Close()
	return parseMountInfo(f)
}

// parseMountInfo parses /proc/self/mountinfo (proc(5)). Octal escapes in
// paths are decoded.
func parseMountInfo(r io.Reader) ([]mountEntry, error) {
	var out []mountEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+3 >= len(f) {
			return nil, fmt.Errorf("sandbox: malformed mountinfo line %q", sc.Text())
		}
		out = append(out, mountEntry{
			root: unescapeOctal(f[3]), point: unescapeOctal(f[4]), opts: f[5],
			fstype: f[sep+1], superOpts: f[sep+3],
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sandbox: reading mountinfo: %w", err)
	}
	return out, nil
}

// unescapeOctal decodes the \ooo escapes the kernel uses for spaces,
// tabs, newlines and backslashes in mountinfo paths.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func readOwnCgroups() (map[string]string, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	defer f.Close()
	return parseProcCgroup(f)
}

// parseProcCgroup parses /proc/<pid>/cgroup into controller → path. The
// cgroup v2 entry (hierarchy 0, no controllers) is returned under "".
func parseProcCgroup(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("sandbox: malformed cgroup line %q", line)
		}
		if parts[1] == "" {
			out[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sandbox: reading cgroup file: %w", err)
	}
	return out, nil
}

func hasCapSysAdmin() (bool, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false, fmt.Errorf("sandbox: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return false, fmt.Errorf("sandbox: CapEff: %w", err)
			}
			return caps&(1<<capSysAdmin) != 0, nil
		}
	}
	return false, nil
}
