package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/auth"
)

var devCred = auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}

// signedQuery builds an IAM/STS query request signed with the dev credentials at t.
func signedQuery(t *testing.T, base, service, body string, at time.Time) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	auth.SignV4(r, auth.PayloadHash([]byte(body)), devCred, "us-east-1", service, at)
	return r
}

func do(t *testing.T, r *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// healthy fails the test if the server no longer answers.
func healthy(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/_nubo/health")
	if err != nil {
		t.Fatalf("server stopped answering: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health: %s", resp.Status)
	}
}

func TestBadRequests(t *testing.T) {
	srv := start(t)
	base := srv.URL()
	now := time.Now()
	tests := []struct {
		name       string
		req        func() *http.Request
		wantStatus int
		wantBody   []string
	}{
		{"skewed clock", func() *http.Request {
			return signedQuery(t, base, "sts", "Action=GetCallerIdentity&Version=2011-06-15", now.Add(-20*time.Minute))
		}, 403, []string{"<ErrorResponse", "SignatureDoesNotMatch"}},
		{"no auth", func() *http.Request {
			r, _ := http.NewRequest("POST", base+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 403, []string{"<ErrorResponse", "MissingAuthenticationToken"}},
		{"garbage auth header", func() *http.Request {
			r := signedQuery(t, base, "sts", "Action=GetCallerIdentity&Version=2011-06-15", now)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 garbage")
			return r
		}, 400, []string{"<ErrorResponse"}},
		{"unknown action", func() *http.Request {
			return signedQuery(t, base, "sts", "Action=NoSuchThing&Version=2011-06-15", now)
		}, 400, []string{"InvalidAction"}},
		{"malformed form value", func() *http.Request {
			return signedQuery(t, base, "iam", "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=x&MaxSessionDuration=notanumber", now)
		}, 400, []string{"<ErrorResponse"}},
		{"missing required member", func() *http.Request {
			return signedQuery(t, base, "iam", "Action=CreateRole&Version=2010-05-08&AssumeRolePolicyDocument=x", now)
		}, 400, []string{"ValidationError", "Value null at ", "roleName"}},
		{"path traversal in a name", func() *http.Request {
			return signedQuery(t, base, "iam", "Action=CreateUser&Version=2010-05-08&UserName=..%2F..%2Fetc", now)
		}, 400, []string{"ValidationError"}},
		{"NUL in a name", func() *http.Request {
			return signedQuery(t, base, "iam", "Action=CreateUser&Version=2010-05-08&UserName=a%00b", now)
		}, 400, []string{"ValidationError"}},
		{"unknown json target", func() *http.Request {
			r, _ := http.NewRequest("POST", base+"/", strings.NewReader("{}"))
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			r.Header.Set("X-Amz-Target", "NoSuchService_20990101.DoIt")
			auth.SignV4(r, auth.PayloadHash([]byte("{}")), devCred, "us-east-1", "nosuch", now)
			return r
		}, 400, []string{"UnknownOperationException"}},
		{"unknown operation of a json service", func() *http.Request {
			r, _ := http.NewRequest("POST", base+"/", strings.NewReader("{}"))
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			r.Header.Set("X-Amz-Target", "Logs_20140328.DoIt")
			auth.SignV4(r, auth.PayloadHash([]byte("{}")), devCred, "us-east-1", "logs", now)
			return r
		}, 400, []string{"UnknownOperationException"}},
		{"oversized body", func() *http.Request {
			body := "Action=GetCallerIdentity&Version=2011-06-15&Pad=" + strings.Repeat("a", 21<<20)
			return signedQuery(t, base, "sts", body, now)
		}, 413, []string{"RequestEntityTooLarge"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := do(t, tc.req())
			if status != tc.wantStatus {
				t.Errorf("status = %d, want %d; body %s", status, tc.wantStatus, body)
			}
			for _, w := range tc.wantBody {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q: %s", w, body)
				}
			}
			healthy(t, base)
		})
	}
}

// TestClientDisconnects sends half a request body and hangs up; the server must
// store nothing and keep serving.
func TestClientDisconnects(t *testing.T) {
	srv := start(t)
	host := strings.TrimPrefix(srv.URL(), "http://")
	body := "Action=CreateUser&Version=2010-05-08&UserName=ghost"
	r := signedQuery(t, srv.URL(), "iam", body, time.Now())
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", host, len(body))
	for k, vs := range r.Header {
		fmt.Fprintf(&buf, "%s: %s\r\n", k, vs[0])
	}
	buf.WriteString("\r\n")
	buf.WriteString(body[:10])
	if _, err := conn.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	healthy(t, srv.URL())
	get := signedQuery(t, srv.URL(), "iam", "Action=GetUser&Version=2010-05-08&UserName=ghost", time.Now())
	if status, resp, _ := do(t, get); status != 404 || !strings.Contains(resp, "NoSuchEntity") {
		t.Fatalf("half-sent CreateUser left state behind: %d %s", status, resp)
	}
}

// TestConcurrentConnections opens 1,000 connections at once, each making a
// signed STS call, and requires every one to be answered.
func TestConcurrentConnections(t *testing.T) {
	srv := start(t)
	const n = 1000
	tr := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: n, DisableKeepAlives: true}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	defer tr.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := signedQuery(t, srv.URL(), "sts", "Action=GetCallerIdentity&Version=2011-06-15", time.Now())
			resp, err := client.Do(r)
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !bytes.Contains(b, []byte("arn:aws:iam::000000000000:root")) {
				errs <- fmt.Errorf("status %d: %s", resp.StatusCode, b)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestAdminAPI checks health, clock advance and reset.
func TestAdminAPI(t *testing.T) {
	srv := start(t)
	base := srv.URL()
	status, body, _ := do(t, mustReq(t, "GET", base+"/_nubo/health"))
	if status != 200 || !strings.Contains(body, `"iam"`) || !strings.Contains(body, `"version"`) {
		t.Fatalf("health: %d %s", status, body)
	}
	before := srv.System().Clock.Now()
	status, body, _ = do(t, mustReq(t, "POST", base+"/_nubo/clock/advance?seconds=3600"))
	if status != 200 {
		t.Fatalf("advance: %d %s", status, body)
	}
	if d := srv.System().Clock.Now().Sub(before); d < time.Hour {
		t.Errorf("clock moved %v, want ≥ 1h", d)
	}
	for _, bad := range []string{"-1", "abc", "NaN", ""} {
		if status, _, _ := do(t, mustReq(t, "POST", base+"/_nubo/clock/advance?seconds="+url.QueryEscape(bad))); status != 400 {
			t.Errorf("advance %q: status %d, want 400", bad, status)
		}
	}
	r := signedQuery(t, base, "iam", "Action=CreateUser&Version=2010-05-08&UserName=bob", time.Now())
	if status, body, _ := do(t, r); status != 200 {
		t.Fatalf("create user: %d %s", status, body)
	}
	if status, body, _ := do(t, mustReq(t, "POST", base+"/_nubo/reset")); status != 200 {
		t.Fatalf("reset: %d %s", status, body)
	}
	get := signedQuery(t, base, "iam", "Action=GetUser&Version=2010-05-08&UserName=bob", time.Now())
	if status, body, _ := do(t, get); status != 404 {
		t.Fatalf("user survived reset: %d %s", status, body)
	}
}

func mustReq(t *testing.T, method, u string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
