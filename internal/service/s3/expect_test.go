package s3

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/auth"
)

// TestExpectContinue sends PUTs with Expect: 100-continue over a raw
// connection, holding the body back, as ceph s3-tests' test_100_continue
// does: a request that fails before its body is needed is answered at once,
// and one that will succeed is told to continue.
func TestExpectContinue(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.mkBucket(t, "expect")
	body := strings.Repeat("x", 123)
	tests := []struct {
		name, path string
		signed     bool
		status     string
	}{
		{"anonymous to private bucket", "/expect/obj", false, "403"},
		{"missing bucket", "/no-such-expect/obj", true, "404"},
		{"allowed", "/expect/obj", true, "100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPut, f.srv.URL+tc.path, strings.NewReader(body))
			if tc.signed {
				auth.SignV4(req, auth.PayloadHash([]byte(body)), auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"},
					"us-east-1", "s3", time.Now())
			}
			conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var b strings.Builder
			fmt.Fprintf(&b, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n", tc.path, req.Host, len(body))
			for k, vs := range req.Header {
				fmt.Fprintf(&b, "%s: %s\r\n", k, vs[0])
			}
			b.WriteString("\r\n")
			if _, err := conn.Write([]byte(b.String())); err != nil {
				t.Fatal(err)
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("no answer before the body: %v", err)
			}
			if got := strconv.Itoa(resp.StatusCode); got != tc.status {
				t.Fatalf("status %s, want %s", got, tc.status)
			}
			if tc.status != "100" {
				return
			}
			conn.Write([]byte(body))
			resp, err = http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("after the body: %v %v", resp, err)
			}
		})
	}
}
