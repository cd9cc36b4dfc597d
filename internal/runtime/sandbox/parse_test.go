package sandbox

import (
	"reflect"
	"strings"
	"syscall"
	"testing"
)

var statusCases = []struct {
	line    string
	want    statusMsg
	wantErr bool
}{
	{"ok 2", statusMsg{kind: "ok", pid: 2}, false},
	{"err sandbox init: pivot_root: EINVAL", statusMsg{kind: "err", text: "sandbox init: pivot_root: EINVAL"}, false},
	{"exit 0 0", statusMsg{kind: "exit"}, false},
	{"exit -1 9", statusMsg{kind: "exit", code: -1, signal: syscall.SIGKILL}, false},
	{"exit 3", statusMsg{kind: "exit"}, true},
	{"exit 300 0", statusMsg{kind: "exit"}, true},
	{"ok -4", statusMsg{kind: "ok"}, true},
	{"hello", statusMsg{kind: "hello"}, true},
	{"", statusMsg{}, true},
}

func TestParseStatus(t *testing.T) {
	for _, tt := range statusCases {
		t.Run(tt.line, func(t *testing.T) {
			got, err := parseStatus(tt.line)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestStatusRoundTrip: what the init writes, the parent reads back.
func TestStatusRoundTrip(t *testing.T) {
	tests := []struct {
		line string
		want statusMsg
	}{
		{formatOK(7), statusMsg{kind: "ok", pid: 7}},
		{formatExit(-1, syscall.SIGSEGV), statusMsg{kind: "exit", code: -1, signal: syscall.SIGSEGV}},
		{formatErr(errorString("two\nlines")), statusMsg{kind: "err", text: "two lines"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := parseStatus(strings.TrimSuffix(tt.line, "\n"))
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func FuzzParseStatus(f *testing.F) {
	for _, tt := range statusCases {
		f.Add(tt.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		m, err := parseStatus(line)
		if err != nil {
			return
		}
		if m.kind == "exit" {
			again, err := parseStatus(strings.TrimSuffix(formatExit(m.code, m.signal), "\n"))
			if err != nil || again != m {
				t.Errorf("exit status %+v does not round-trip: %+v, %v", m, again, err)
			}
		}
	})
}

const mountInfoSample = `22 27 0:21 / /proc rw,relatime - proc proc rw
30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:27 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
32 30 0:28 / /sys/fs/cgroup/pids ro,relatime - cgroup cgroup rw,pids
33 30 0:29 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw
34 27 0:30 /a\040b /mnt/with\040space rw - ext4 /dev/vda rw
`

func TestParseMountInfo(t *testing.T) {
	got, err := parseMountInfo(strings.NewReader(mountInfoSample))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 {
		t.Fatalf("%d entries", len(got))
	}
	tests := []struct {
		i    int
		want mountEntry
	}{
		{2, mountEntry{root: "/", point: "/sys/fs/cgroup/memory", fstype: "cgroup", opts: "rw,relatime", superOpts: "rw,memory"}},
		{4, mountEntry{root: "/", point: "/sys/fs/cgroup/unified", fstype: "cgroup2", opts: "rw,relatime", superOpts: "rw"}},
		{5, mountEntry{root: "/a b", point: "/mnt/with space", fstype: "ext4", opts: "rw", superOpts: "rw"}},
	}
	for _, tt := range tests {
		t.Run(tt.want.point, func(t *testing.T) {
			if got[tt.i] != tt.want {
				t.Errorf("got %+v, want %+v", got[tt.i], tt.want)
			}
		})
	}
	if _, err := parseMountInfo(strings.NewReader("1 2 3\n")); err == nil {
		t.Error("short line accepted")
	}
}

func FuzzParseMountInfo(f *testing.F) {
	f.Add(mountInfoSample)
	f.Add("1 2 3\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = parseMountInfo(strings.NewReader(s))
	})
}

func TestCgroupLayout(t *testing.T) {
	mounts, err := parseMountInfo(strings.NewReader(mountInfoSample))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mounts []mountEntry
		ok     bool
		reason string
	}{
		{"pids read-only", mounts, false, "read-only"},
		{"no pids", mounts[:3], false, "pids controller is not mounted"},
		{"no memory", mounts[:1], false, "memory controller is not mounted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, reason := cgroupLayout(tt.mounts, map[string]string{})
			if (h != nil) != tt.ok || !strings.Contains(reason, tt.reason) {
				t.Errorf("host %+v reason %q", h, reason)
			}
		})
	}
	rw := append([]mountEntry{}, mounts...)
	rw[3].opts = "rw"
	h, _ := cgroupLayout(rw, map[string]string{"memory": "/", "pids": "/"})
	want := []string{"/sys/fs/cgroup/memory/" + parentName, "/sys/fs/cgroup/pids/" + parentName}
	if h == nil || h.v2 || !reflect.DeepEqual(h.parents, want) {
		t.Errorf("v1 layout %+v, want parents %v", h, want)
	}
}

var procCgroupCases = []struct {
	in      string
	want    map[string]string
	wantErr bool
}{
	{"4:memory:/a/b\n8:pids:/\n1:cpu,cpuacct:/c\n0::/user.slice\n",
		map[string]string{"memory": "/a/b", "pids": "/", "cpu": "/c", "cpuacct": "/c", "": "/user.slice"}, false},
	{"0::/\n", map[string]string{"": "/"}, false},
	{"garbage\n", nil, true},
}

func TestParseProcCgroup(t *testing.T) {
	for _, tt := range procCgroupCases {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseProcCgroup(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr || (!tt.wantErr && !reflect.DeepEqual(got, tt.want)) {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func FuzzParseProcCgroup(f *testing.F) {
	for _, tt := range procCgroupCases {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = parseProcCgroup(strings.NewReader(s))
	})
}

var keyValueCases = []struct {
	in      string
	want    map[string]int64
	wantErr bool
}{
	{"oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", map[string]int64{"oom_kill_disable": 0, "under_oom": 0, "oom_kill": 2}, false},
	{"low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 1\n", map[string]int64{"low": 0, "high": 0, "max": 5, "oom": 1, "oom_kill": 1, "oom_group_kill": 1}, false},
	{"oom_kill x\n", nil, true},
	{"a 1 2\n", nil, true},
}

func TestParseKeyValues(t *testing.T) {
	for _, tt := range keyValueCases {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseKeyValues(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr || (!tt.wantErr && !reflect.DeepEqual(got, tt.want)) {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func FuzzParseKeyValues(f *testing.F) {
	for _, tt := range keyValueCases {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = parseKeyValues(strings.NewReader(s))
	})
}

func TestPathMap(t *testing.T) {
	pm := newPathMap(map[string]string{"/var/task": "/h/code", "/var/lang": "/h/py", "/var/lang/lib": "/h/lib", "/tmp": "/h/tmp"})
	tests := []struct{ in, path, list string }{
		{"/var/task/app.py", "/h/code/app.py", "/h/code/app.py"},
		{"/var/taskforce", "/var/taskforce", "/var/taskforce"},
		{"/var/lang/lib/x.so", "/h/lib/x.so", "/h/lib/x.so"},
		{"/var/runtime:/var/task", "/var/runtime:/var/task", "/var/runtime:/h/code"},
		{"hello", "hello", "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := pm.path(tt.in); got != tt.path {
				t.Errorf("path: %q", got)
			}
			if got := pm.list(tt.in); got != tt.list {
				t.Errorf("list: %q", got)
			}
		})
	}
	env := pm.env([]string{"PYTHONPATH=/var/runtime:/var/task", "NOVALUE", "TMPDIR=/tmp"})
	if want := []string{"PYTHONPATH=/var/runtime:/h/code", "NOVALUE", "TMPDIR=/h/tmp"}; !reflect.DeepEqual(env, want) {
		t.Errorf("env %v", env)
	}
}

func TestWithDefaults(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Config{ID: "f-1", CodeDir: dir, Args: []string{"/bin/true"}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{ID: "f-1", CodeDir: dir, Args: []string{"/bin/true"}, TmpSizeMB: DefaultTmpSizeMB,
		PidsMax: DefaultPidsMax, UID: DefaultUID, GID: DefaultGID}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got %+v, want %+v", cfg, want)
	}
	bad := []Config{
		{ID: "", CodeDir: dir, Args: []string{"/bin/true"}},
		{ID: "x", CodeDir: "rel", Args: []string{"/bin/true"}},
		{ID: "x", CodeDir: dir, Args: []string{"/bin/true"}, MemoryMB: -1},
		{ID: "x", CodeDir: dir, Args: []string{"/bin/true"}, RuntimeDirs: map[string]string{"/var/task/x": dir}},
		{ID: "x", CodeDir: dir, Args: []string{"/bin/true"}, RuntimeDirs: map[string]string{"/var/lang/": dir}},
		{ID: "x", CodeDir: dir, Args: []string{"/bin/true"}, LayerDirs: []string{dir + "/missing"}},
	}
	for i, c := range bad {
		if _, err := c.withDefaults(); err == nil {
			t.Errorf("bad config %d accepted: %+v", i, c)
		}
	}
}

func TestExitStatusString(t *testing.T) {
	tests := []struct {
		st   ExitStatus
		want string
	}{
		{ExitStatus{Code: 2}, "exit status 2"},
		{ExitStatus{Code: -1, Signal: syscall.SIGKILL, OOMKilled: true}, "signal: killed (out of memory)"},
	}
	for _, tt := range tests {
		if got := tt.st.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
