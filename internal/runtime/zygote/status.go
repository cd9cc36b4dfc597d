package zygote

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// statusMsg is one decoded status line of an instance init:
//
//	ok <pid>             the workload was forked (pid inside the instance)
//	err <message>        setting up the instance failed
//	exit <code> <signal> the workload's main process ended
type statusMsg struct {
	kind   string
	pid    int
	code   int
	signal syscall.Signal
	text   string
}

// parseStatus decodes one status line (without its newline).
func parseStatus(line string) (statusMsg, error) {
	kind, rest, _ := strings.Cut(line, " ")
	m := statusMsg{kind: kind}
	switch kind {
	case "ok":
		pid, err := strconv.Atoi(rest)
		if err != nil || pid <= 0 {
			return m, fmt.Errorf("zygote: bad instance status %q", line)
		}
		m.pid = pid
	case "err":
		m.text = rest
	case "exit":
		a, b, ok := strings.Cut(rest, " ")
		code, err1 := strconv.Atoi(a)
		sig, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || code < -1 || code > 255 || sig < 0 || sig > 64 {
			return m, fmt.Errorf("zygote: bad instance status %q", line)
		}
		m.code, m.signal = code, syscall.Signal(sig)
	default:
		return m, fmt.Errorf("zygote: bad instance status %q", line)
	}
	return m, nil
}
