package sandbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

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
}

// checksEnv is a code dir holding testdata/checks.py and hello.txt.
func checksEnv(t *testing.T) env {
	script, err := os.ReadFile("testdata/checks.py")
	if err != nil {
		t.Fatal(err)
	}
	return pythonEnv(t, map[string]string{"checks.py": string(script), "hello.txt": "from task\n"})
}

func runChecks(t *testing.T, cfg Config) checks {
	t.Helper()
	out, errOut, st, _ := run(t, cfg)
	if st.Code != 0 {
		t.Fatalf("checks.py: %v\nstdout: %s\nstderr: %s", st, out, errOut)
	}
	var c checks
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("checks.py output %q: %v (stderr %s)", out, err, errOut)
	}
	return c
}

// TestIsolation runs the probes in two instances and checks what each can
// see and do, including that neither sees the other's /tmp or code.
func TestIsolation(t *testing.T) {
	e := checksEnv(t)
	secretDir := t.TempDir()
	secret := filepath.Join(secretDir, "secret.txt")
	if err := os.WriteFile(secret, []byte("s3cr3t"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := codeDir(t, map[string]string{"other.py": "x = 1\n"})
	forbidden, _ := json.Marshal([]string{secret, secretDir, other, filepath.Join(other, "other.py"), "/work", "/run"})
	first := e.config("iso", "-S", "/var/task/checks.py", string(forbidden))
	c := runChecks(t, first)
	second := runChecks(t, e.config("iso", "-S", "/var/task/checks.py", string(forbidden)))

	tests := []struct {
		name      string
		got, want any
	}{
		{"uid", c.UID, DefaultUID},
		{"euid", c.EUID, DefaultUID},
		{"gid", c.GID, DefaultGID},
		{"groups", len(c.Groups), 0},
		{"pid in new namespace", c.PID > 1 && c.PID < 100, true},
		{"only own processes in /proc", c.ProcPids, []int{1, c.PID}},
		{"hostname is the id", c.Hostname, first.ID},
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
		{"nofile", c.NoFile, []int{DefaultNoFile, DefaultNoFile}},
		{"sandbox user", c.PasswdName, "sbx_user1051"},
		{"localhost resolves", c.Localhost, "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	for p, res := range c.Forbidden {
		t.Run("forbidden "+p, func(t *testing.T) {
			if res != "ENOENT" {
				t.Errorf("reading %s inside the sandbox: %s, want ENOENT", p, res)
			}
		})
	}
}

func TestTmpSizeLimit(t *testing.T) {
	e := checksEnv(t)
	forbidden, _ := json.Marshal([]string{})
	cfg := e.config("tmpsize", "-S", "/var/task/checks.py", string(forbidden), strconv.Itoa(3<<20))
	cfg.TmpSizeMB = 1
	if c := runChecks(t, cfg); c.TmpBig != "ENOSPC" {
		t.Errorf("writing 3 MB to a 1 MB /tmp: %s, want ENOSPC", c.TmpBig)
	}
	cfg.ID = newID("tmpsize")
	cfg.TmpSizeMB = 8
	if c := runChecks(t, cfg); c.TmpBig != "ok" {
		t.Errorf("writing 3 MB to an 8 MB /tmp: %s, want ok", c.TmpBig)
	}
}
