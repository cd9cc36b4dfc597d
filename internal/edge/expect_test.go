package edge

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
)

// TestExpectContinueEarlyError checks that an operation failing before it
// reads its body, and closing the body as handlers do, is answered while the
// client still holds the body back for Expect: 100-continue.
func TestExpectContinueEarlyError(t *testing.T) {
	api, err := awsapi.Load("s3", []byte(testS3Model), map[string]awsapi.OpTypes{
		"PutObject": {Input: reflect.TypeOf(putObjectInput{}), Output: reflect.TypeOf(putObjectOutput{})},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := New(Config{Region: "us-east-1", Account: "000000000000",
		Credentials: auth.NewStaticCredentials(auth.Credential{AccessKeyID: "test", SecretAccessKey: "test",
			Caller: awsapi.Caller{Account: "000000000000", ARN: "arn:aws:iam::000000000000:root", Root: true}})})
	e.Register(api, map[string]awsapi.Handler{
		"PutObject": func(_ context.Context, in any) (any, error) {
			in.(*putObjectInput).Body.Close()
			return nil, &awsapi.Error{Code: "AccessDenied", Status: http.StatusForbidden, Message: "Access Denied"}
		},
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	for _, signed := range []bool{false, true} {
		t.Run(fmt.Sprintf("signed=%v", signed), func(t *testing.T) {
			body := strings.Repeat("x", 123)
			req, _ := http.NewRequest(http.MethodPut, srv.URL+"/b/k", strings.NewReader(body))
			if signed {
				auth.SignV4(req, auth.PayloadHash([]byte(body)), testCred, "us-east-1", "s3", time.Now())
			}
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var b strings.Builder
			fmt.Fprintf(&b, "PUT /b/k HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n", req.Host, len(body))
			for k, vs := range req.Header {
				fmt.Fprintf(&b, "%s: %s\r\n", k, vs[0])
			}
			b.WriteString("\r\n")
			if _, err := conn.Write([]byte(b.String())); err != nil {
				t.Fatal(err)
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer while the body is held back: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", resp.StatusCode)
			}
		})
	}
}
