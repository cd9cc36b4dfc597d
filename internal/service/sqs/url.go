package sqs

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/platform/arn"
)

// errNoQueue is QueueDoesNotExist.
func errNoQueue() *awsapi.Error {
	return awsapi.Errorf("QueueDoesNotExist", http.StatusBadRequest, "The specified queue does not exist.")
}

// parseQueueURL extracts the account and queue name from a queue URL in any
// of the forms clients send: http://host:port/<account>/<name> (Nubo's own and
// other hosts), https://sqs.<region>.amazonaws.com/<account>/<name>, the
// legacy https://queue.amazonaws.com/<account>/<name>, a path
// /<account>/<name>, or a bare queue name (the caller's account).
func parseQueueURL(raw, defaultAccount string) (account, name string, ok bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", "", false
	}
	path, isURL := raw, strings.Contains(raw, "://")
	if isURL {
		var ok bool
		if path, ok = urlPath(raw); !ok {
			return "", "", false
		}
	}
	path = strings.Trim(path, "/")
	i := strings.LastIndexByte(path, '/')
	switch {
	case i < 0 && isURL:
		return "", "", false
	case i < 0: // a bare queue name
		return defaultAccount, path, path != ""
	}
	rest, n := path[:i], path[i+1:]
	acct := rest[strings.LastIndexByte(rest, '/')+1:]
	if !arn.IsAccountID(acct) || n == "" {
		return "", "", false
	}
	return acct, n, true
}

// urlPath returns the decoded path of an absolute URL as url.Parse does. The
// URLs clients send (http(s)://host[:port]/<account>/<name> in plain ASCII)
// are split without parsing; anything else goes through url.Parse.
func urlPath(raw string) (string, bool) {
	if p, ok := plainURLPath(raw); ok {
		return p, true
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	return u.Path, true
}

// plainURLPath returns the path of raw when raw is "http://" or "https://",
// a host of letters, digits, '.' and '-' with an optional numeric port, and a
// path of letters, digits and "-_./" — a URL whose path url.Parse would
// return unchanged.
func plainURLPath(raw string) (string, bool) {
	rest, ok := strings.CutPrefix(raw, "http://")
	if !ok {
		if rest, ok = strings.CutPrefix(raw, "https://"); !ok {
			return "", false
		}
	}
	slash := strings.IndexByte(rest, '/')
	if slash <= 0 {
		return "", false
	}
	host, path := rest[:slash], rest[slash:]
	host, port, _ := strings.Cut(host, ":")
	if host == "" || !allBytes(host, isHostByte) || !allBytes(port, isDigit) || !allBytes(path, isPathByte) {
		return "", false
	}
	return path, true
}

func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isHostByte(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

func isPathByte(c byte) bool { return isAlnum(c) || c == '-' || c == '_' || c == '.' || c == '/' }

// queueURL returns the URL of queue name in account as seen from endpoint.
func queueURL(endpoint, account, name string) string {
	return strings.TrimSuffix(endpoint, "/") + "/" + account + "/" + name
}

// parseQueueARN splits arn:aws:sqs:<region>:<account>:<name>.
func parseQueueARN(s string) (region, account, name string, ok bool) {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "sqs" || a.Resource == "" || strings.ContainsAny(a.Resource, ":/") {
		return "", "", "", false
	}
	return a.Region, a.AccountID, a.Resource, true
}
