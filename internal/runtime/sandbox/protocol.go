package sandbox

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// The parent and the sandbox init talk over two pipes. The parent writes an
// initConfig as JSON on fd 3 and closes it; the init writes status lines on
// fd 4:
//
//	ok <pid>             the workload was executed (pid inside the sandbox)
//	err <message>        setting up the sandbox or executing the workload failed
//	exit <code> <signal> the workload's main process ended
const (
	initMarkerEnv = "NUBO_SANDBOX_INIT"
	initArg0      = "nubo-sandbox-init"
	configFD      = 3
	statusFD      = 4
	firstExtraFD  = 5
)

// initConfig is what the sandbox init needs; the parent has validated it.
type initConfig struct {
	Root        string            `json:"root"`
	EtcDir      string            `json:"etcDir"`
	Hostname    string            `json:"hostname"`
	CodeDir     string            `json:"codeDir"`
	LayerDirs   []string          `json:"layerDirs"`
	RuntimeDirs map[string]string `json:"runtimeDirs"`
	TmpSizeMB   int               `json:"tmpSizeMB"`
	UID         int               `json:"uid"`
	GID         int               `json:"gid"`
	Env         []string          `json:"env"`
	Args        []string          `json:"args"`
	ExtraFiles  int               `json:"extraFiles"`
	NetNS       bool              `json:"netns"`
	Privileged  bool              `json:"privileged,omitempty"`
}

// statusMsg is one decoded status line.
type statusMsg struct {
	kind   string // "ok", "err" or "exit"
	pid    int
	code   int
	signal syscall.Signal
	text   string
}

func formatOK(pid int) string { return fmt.Sprintf("ok %d\n", pid) }

func formatErr(err error) string {
	return "err " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n"
}

func formatExit(code int, sig syscall.Signal) string {
	return fmt.Sprintf("exit %d %d\n", code, int(sig))
}

// parseStatus decodes one status line (without its newline).
func parseStatus(line string) (statusMsg, error) {
	kind, rest, _ := strings.Cut(line, " ")
	m := statusMsg{kind: kind}
	switch kind {
	case "ok":
		pid, err := strconv.Atoi(rest)
		if err != nil || pid <= 0 {
			return m, fmt.Errorf("sandbox: bad init status %q", line)
		}
		m.pid = pid
	case "err":
		m.text = rest
	case "exit":
		a, b, ok := strings.Cut(rest, " ")
		code, err1 := strconv.Atoi(a)
		sig, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || code < -1 || code > 255 || sig < 0 || sig > 64 {
			return m, fmt.Errorf("sandbox: bad init status %q", line)
		}
		m.code, m.signal = code, syscall.Signal(sig)
	default:
		return m, fmt.Errorf("sandbox: bad init status %q", line)
	}
	return m, nil
}
