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
	path := raw
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err != nil {
			return "", "", false
		}
		path = u.Path
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) == 1 && !strings.Contains(raw, "://"):
		return defaultAccount, parts[0], parts[0] != ""
	case len(parts) >= 2:
		acct, n := parts[len(parts)-2], parts[len(parts)-1]
		if !arn.IsAccountID(acct) || n == "" {
			return "", "", false
		}
		return acct, n, true
	}
	return "", "", false
}

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
