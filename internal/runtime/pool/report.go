package pool

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nubo/nubo/internal/runtime/sandbox"
)

// Error types the platform reports itself.
const (
	ErrorTypeTimeout           = "Sandbox.Timedout"
	ErrorTypeExit              = "Runtime.ExitError"
	ErrorTypeOutOfMemory       = "Runtime.OutOfMemory"
	ErrorTypeInvalidEntrypoint = "Runtime.InvalidEntrypoint"
)

// isoMillis is the timestamp layout of Lambda's platform log lines.
const isoMillis = "2006-01-02T15:04:05.000Z"

// report describes one finished invocation for its REPORT line.
type report struct {
	requestID string
	duration  time.Duration
	init      time.Duration // > 0 on a cold start
	memoryMB  int
	maxMemory int64 // bytes
	status    string
	errorType string
}

func startLine(requestID, version string) string {
	return "START RequestId: " + requestID + " Version: " + version + "\n"
}

func endLine(requestID string) string { return "END RequestId: " + requestID + "\n" }

// millis renders d in milliseconds with two decimals, as Lambda does.
func millis(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Nanoseconds())/1e6, 'f', 2, 64)
}

// billedMillis is the billed duration: the run time plus the init time,
// rounded up to the next millisecond.
func billedMillis(run, init time.Duration) int64 {
	total := run + init
	ms := int64(math.Ceil(float64(total.Nanoseconds()) / 1e6))
	if ms < 1 {
		ms = 1
	}
	return ms
}

// memoryMB converts a byte count to Lambda's whole megabytes (rounded up).
func memoryMB(b int64) int64 {
	if b <= 0 {
		return 0
	}
	return (b + 1<<20 - 1) >> 20
}

func (r report) String() string {
	var b strings.Builder
	b.Grow(200)
	b.WriteString("REPORT RequestId: ")
	b.WriteString(r.requestID)
	b.WriteString("\tDuration: ")
	b.WriteString(millis(r.duration))
	b.WriteString(" ms\tBilled Duration: ")
	b.WriteString(strconv.FormatInt(billedMillis(r.duration, r.init), 10))
	b.WriteString(" ms\tMemory Size: ")
	b.WriteString(strconv.Itoa(r.memoryMB))
	b.WriteString(" MB\tMax Memory Used: ")
	b.WriteString(strconv.FormatInt(memoryMB(r.maxMemory), 10))
	b.WriteString(" MB\t")
	if r.init > 0 {
		b.WriteString("Init Duration: ")
		b.WriteString(millis(r.init))
		b.WriteString(" ms\t")
	}
	if r.status != "" {
		b.WriteString("Status: ")
		b.WriteString(r.status)
		if r.errorType != "" {
			b.WriteString("\tError Type: ")
			b.WriteString(r.errorType)
		}
	}
	b.WriteString("\n")
	return b.String()
}

// initReportLine is the INIT_REPORT line of a failed initialisation.
func initReportLine(init time.Duration, status, errorType string) string {
	s := "INIT_REPORT Init Duration: " + millis(init) + " ms\tPhase: init\tStatus: " + status
	if errorType != "" {
		s += "\tError Type: " + errorType
	}
	return s + "\n"
}

// errorDoc renders Lambda's {"errorMessage","errorType"} document.
func errorDoc(errType, msg string) []byte {
	b, err := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{msg, errType})
	if err != nil { // two strings always marshal
		return []byte(`{"errorMessage":"","errorType":"Runtime.Unknown"}`)
	}
	return b
}

// timeoutSeconds renders a timeout as "3.00".
func timeoutSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64)
}

// timeoutPayload and timeoutLogLine describe a timed-out invocation.
func timeoutPayload(requestID string, timeout time.Duration) []byte {
	return errorDoc(ErrorTypeTimeout, "RequestId: "+requestID+" Error: Task timed out after "+timeoutSeconds(timeout)+" seconds")
}

func timeoutLogLine(now time.Time, requestID string, timeout time.Duration) string {
	return now.UTC().Format(isoMillis) + " " + requestID + " Task timed out after " + timeoutSeconds(timeout) + " seconds\n"
}

// exitDescription renders how the runtime ended as Go's os/exec does
// ("exit status 3", "signal: killed"), which is what Lambda prints.
func exitDescription(st sandbox.ExitStatus) string {
	if st.Signal != 0 {
		return "signal: " + st.Signal.String()
	}
	if st.Code < 0 {
		return "signal: " + syscall.SIGKILL.String()
	}
	return "exit status " + strconv.Itoa(st.Code)
}

// exitError returns the error type, payload and log line of a runtime that
// exited during an invocation.
func exitError(requestID string, st sandbox.ExitStatus) (string, []byte, string) {
	typ := ErrorTypeExit
	if st.OOMKilled {
		typ = ErrorTypeOutOfMemory
	}
	msg := fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", requestID, exitDescription(st))
	return typ, errorDoc(typ, msg), msg + "\n" + typ + "\n"
}
