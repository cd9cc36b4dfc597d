package zygote

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/nubo/nubo/internal/runtime/sandbox"
)

// checks mirrors the observations of ../sandbox/testdata/checks.py plus
// what the wrapper handler adds about the zygote path.
type checks struct {
	UID, EUID, GID int
	Groups         []int
	PID            int
	Hostname       string
	Cwd            string
	Task           string
	WriteTask      string            `json:"write_task"`
	WriteEtc       string            `json:"write_etc"`
	WriteUsr       string            `json:"write_usr"`
	WriteTmp       string            `json:"write_tmp"`
	TmpListing     []string          `json:"tmp_listing"`
	Shadow         string            `json:"shadow"`
	RootHome       string            `json:"root_home"`
	Proc1Root      string            `json:"proc1_root"`
	ProcPids       []int             `json:"proc_pids"`
	CapEff         string            `json:"cap_eff"`
	CapBnd         string            `json:"cap_bnd"`
	NoNewPrivs     string            `json:"no_new_privs"`
	NoFile         []int             `json:"nofile"`
	Forbidden      map[string]string `json:"forbidden"`
	PasswdName     string            `json:"passwd_name"`
	Localhost      string            `json:"localhost"`
	TmpBig         string            `json:"tmp_big"`

	Mounts     []string `json:"z_mounts"`
	NuboDir    []string `json:"z_nubo_dir"`
	FDs        []string `json:"z_fds"`
	Preloaded  bool     `json:"z_preloaded"`
	Random     float64  `json:"z_random"`
	Dumpable   bool     `json:"z_dumpable"`
	SysPathBad []string `json:"z_sys_path_bad"`
}

// checksHandler runs checks.py as a script inside the handler and adds the
// zygote-specific probes.
const checksHandler = `import contextlib, io, json, os, random, runpy, sys

def handler(event, context):
    sys.argv = ["checks.py"] + event["args"]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        runpy.run_path("/var/task/checks.py", run_name="__main__")
    out = json.loads(buf.getvalue())
    out["z_mounts"] = sorted(set(l.split()[4] for l in open("/proc/self/mountinfo")))
    out["z_nubo_dir"] = sorted(os.listdir("/.nubo/code")) if os.path.isdir("/.nubo/code") else []
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds[fd] = os.readlink("/proc/self/fd/" + fd)
        except OSError:
            pass
    out["z_fds"] = sorted("%s=%s" % kv for kv in fds.items())
    out["z_preloaded"] = "botocore.session" in sys.modules
    out["z_random"] = random.random()
    out["z_dumpable"] = os.access("/proc/self/environ", os.R_OK)
    out["z_sys_path_bad"] = [p for p in sys.path if p.startswith("/.nubo")]
    return out
`

func TestIsolation(t *testing.T) {
	f := shared(t)
	script, err := os.ReadFile("../sandbox/testdata/checks.py")
	if err != nil {
		t.Fatal(err)
	}
	secretDir := t.TempDir()
	secret := filepath.Join(secretDir, "secret.txt")
	if err := os.WriteFile(secret, []byte("s3cr3t"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := f.code(t, map[string]string{"other.py": "x = 1\n"})
	name := f.code(t, map[string]string{"checks.py": string(script), "hello.txt": "from task\n", "wrap.py": checksHandler})
	forbidden := []string{secret, secretDir, filepath.Join(f.codeRoot, other), f.codeRoot,
		filepath.Join(CodeMount, other), filepath.Join(CodeMount, other, "other.py"), f.py.HostPrefix, "/work", "/run", "/root"}
	args, _ := json.Marshal(map[string]any{"args": []string{mustJSON(t, forbidden)}})
	first := f.spawn(t, name, "wrap.handler", nil)
	var c, second checks
	decode(t, first.mustInvoke(string(args)), &c)
	decode(t, f.spawn(t, name, "wrap.handler", nil).mustInvoke(string(args)), &second)

	tests := []struct {
		name      string
		got, want any
	}{
		{"uid", c.UID, sandbox.DefaultUID},
		{"euid", c.EUID, sandbox.DefaultUID},
		{"gid", c.GID, sandbox.DefaultGID},
		{"groups", len(c.Groups), 0},
		{"pid in new namespace", c.PID > 1 && c.PID < 100, true},
		{"only own processes in /proc", c.ProcPids, []int{1, c.PID}},
		{"hostname is the id", c.Hostname, first.id},
		{"cwd", c.Cwd, "/var/task"},
		{"code readable", c.Task, "from task"},
		{"code read-only", c.WriteTask, "EROFS"},
		{"etc read-only", c.WriteEtc, "EROFS"},
		{"usr read-only", c.WriteUsr, "EROFS"},
		{"tmp writable", c.WriteTmp, "ok"},
		{"tmp private", second.TmpListing, []string{"mine.txt"}},
		{"no shadow", c.Shadow, "ENOENT"},
		{"no /root", c.RootHome, "ENOENT"},
		{"no /proc/1/root", c.Proc1Root, "EACCES"},
		{"no effective caps", c.CapEff, "0000000000000000"},
		{"empty bounding set", c.CapBnd, "0000000000000000"},
		{"no_new_privs", c.NoNewPrivs, "1"},
		{"nofile", c.NoFile, []int{sandbox.DefaultNoFile, sandbox.DefaultNoFile}},
		{"sandbox user", c.PasswdName, "sbx_user1051"},
		{"localhost resolves", c.Localhost, "127.0.0.1"},
		{"code root unmounted", c.NuboDir, []string{}},
		{"only 0-2 and the runtime API socket open", len(c.FDs), 4},
		{"boto3 preloaded", c.Preloaded, true},
		{"random reseeded per instance", c.Random != second.Random, true},
		{"dumpable like an exec'd process", c.Dumpable, true},
		{"zygote dir not on sys.path", c.SysPathBad, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	t.Run("mount table", func(t *testing.T) {
		for _, m := range c.Mounts {
			if m == CodeMount || m == scriptMount || filepath.Dir(m) == "/.nubo" {
				t.Errorf("instance still has %s mounted (mounts %v)", m, c.Mounts)
			}
		}
		t.Logf("mounts: %v; fds: %v", c.Mounts, c.FDs)
	})
	for p, res := range c.Forbidden {
		t.Run("forbidden "+p, func(t *testing.T) {
			if res != "ENOENT" {
				t.Errorf("reading %s inside the instance: %s, want ENOENT", p, res)
			}
		})
	}
}

func TestTmpSizeLimit(t *testing.T) {
	f := shared(t)
	script, err := os.ReadFile("../sandbox/testdata/checks.py")
	if err != nil {
		t.Fatal(err)
	}
	name := f.code(t, map[string]string{"checks.py": string(script), "hello.txt": "x\n", "wrap.py": checksHandler})
	args, _ := json.Marshal(map[string]any{"args": []string{"[]", strconv.Itoa(3 << 20)}})
	for _, tt := range []struct {
		sizeMB int
		want   string
	}{{1, "ENOSPC"}, {8, "ok"}} {
		t.Run(strconv.Itoa(tt.sizeMB)+"MB", func(t *testing.T) {
			r := f.spawn(t, name, "wrap.handler", func(sc *SpawnConfig) { sc.TmpSizeMB = tt.sizeMB })
			var c checks
			decode(t, r.mustInvoke(string(args)), &c)
			if c.TmpBig != tt.want {
				t.Errorf("writing 3 MB to a %d MB /tmp: %s, want %s", tt.sizeMB, c.TmpBig, tt.want)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
}
