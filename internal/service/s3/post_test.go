package s3

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
)

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// postForm builds a SigV4-signed POST form with the given conditions.
func postForm(t *testing.T, conditions string, fields map[string]string, body string) *http.Request {
	t.Helper()
	now := time.Now().UTC()
	date := now.Format("20060102")
	cred := "test/" + date + "/us-east-1/s3/aws4_request"
	policy := fmt.Sprintf(`{"expiration":%q,"conditions":[%s,{"x-amz-algorithm":"AWS4-HMAC-SHA256"},{"x-amz-credential":%q},{"x-amz-date":%q}]}`,
		now.Add(time.Hour).Format(time.RFC3339), conditions, cred, now.Format("20060102T150405Z"))
	b64 := base64.StdEncoding.EncodeToString([]byte(policy))
	key := hmacSHA256([]byte("AWS4test"), date)
	for _, p := range []string{"us-east-1", "s3", "aws4_request"} {
		key = hmacSHA256(key, p)
	}
	all := map[string]string{"policy": b64, "x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": cred,
		"x-amz-date": now.Format("20060102T150405Z"), "x-amz-signature": hex.EncodeToString(hmacSHA256(key, b64))}
	for k, v := range fields {
		all[k] = v
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range all {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "photo.jpg")
	fw.Write([]byte(body))
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/uploads", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func TestPresignedPost(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.mkBucket(t, "uploads")
	v := &auth.Verifier{Credentials: auth.NewStaticCredentials(auth.Credential{AccessKeyID: "test", SecretAccessKey: "test",
		Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":root", Root: true}})}
	cond := `{"bucket":"uploads"},["starts-with","$key","user/"],["content-length-range",1,100],{"success_action_status":"201"}`
	cases := []struct {
		name   string
		fields map[string]string
		body   string
		want   string
		status int
	}{
		{"ok", map[string]string{"key": "user/${filename}", "success_action_status": "201"}, "jpeg bytes", "", 201},
		{"key outside prefix", map[string]string{"key": "admin/x", "success_action_status": "201"}, "x", "AccessDenied", 0},
		{"extra field", map[string]string{"key": "user/x", "success_action_status": "201", "x-amz-meta-extra": "1"}, "x", "AccessDenied", 0},
		{"too large", map[string]string{"key": "user/big", "success_action_status": "201"}, strings.Repeat("b", 101), "EntityTooLarge", 0},
		{"too small", map[string]string{"key": "user/empty", "success_action_status": "201"}, "", "EntityTooSmall", 0},
		{"field names in any case", map[string]string{"kEy": "user/${filename}", "Success_Action_Status": "201"}, "jpeg bytes", "", 201},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := postForm(t, cond, tc.fields, tc.body)
			res, err := f.svc.PostObject(context.Background(), "uploads", r, v.VerifyPostPolicy)
			if awsapi.AsError(err).Code != tc.want && !(err == nil && tc.want == "") {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if err == nil && (res.Status != tc.status || !bytes.Contains(res.Body, []byte("<Key>user/photo.jpg</Key>"))) {
				t.Fatalf("result %d %s", res.Status, res.Body)
			}
		})
	}
	rc, n, _, err := f.svc.OpenObject(context.Background(), "uploads", "user/photo.jpg", "")
	if err != nil || n != int64(len("jpeg bytes")) {
		t.Fatalf("uploaded object: %d %v", n, err)
	}
	rc.Close()
	bad := postForm(t, cond, map[string]string{"key": "user/x", "success_action_status": "201"}, "x")
	bad.MultipartForm = nil
	if _, err := f.svc.PostObject(context.Background(), "uploads", bad, func(context.Context, map[string]string) (*auth.PostPolicy, error) {
		return nil, &awsapi.Error{Code: "SignatureDoesNotMatch", Status: 403}
	}); awsapi.AsError(err).Code != "SignatureDoesNotMatch" {
		t.Fatalf("bad signature: %v", err)
	}
}

func TestPostPolicyDocument(t *testing.T) {
	const exp = `"expiration":"2030-01-01T00:00:00Z"`
	cases := []struct{ name, doc, want string }{
		{"ok", `{` + exp + `,"conditions":[{"bucket":"b"},["starts-with","$key",""]]}`, ""},
		{"names in any case inside conditions", `{` + exp + `,"conditions":[{"bUcKeT":"b"},["StArTs-WiTh","$KeY",""]]}`, ""},
		{"EXPIRATION is not expiration", `{"EXPIRATION":"2030-01-01T00:00:00Z","conditions":[{"bucket":"b"},["starts-with","$key",""]]}`, "InvalidPolicyDocument"},
		{"CONDITIONS is not conditions", `{` + exp + `,"CONDITIONS":[{"bucket":"b"},["starts-with","$key",""]]}`, "InvalidPolicyDocument"},
		{"missing conditions", `{` + exp + `}`, "InvalidPolicyDocument"},
		{"empty condition", `{` + exp + `,"conditions":[{}]}`, "InvalidPolicyDocument"},
		{"short content-length-range", `{` + exp + `,"conditions":[{"bucket":"b"},["starts-with","$key",""],["content-length-range",0]]}`, "InvalidPolicyDocument"},
		{"negative content-length-range", `{` + exp + `,"conditions":[{"bucket":"b"},["starts-with","$key",""],["content-length-range",-1,0]]}`, "InvalidPolicyDocument"},
		{"unmet condition", `{` + exp + `,"conditions":[{"bucket":"other"},["starts-with","$key",""]]}`, "AccessDenied"},
		{"field not covered", `{` + exp + `,"conditions":[{"bucket":"b"}]}`, "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := checkPostPolicy([]byte(tc.doc), map[string]string{"bucket": "b", "key": "k"})
			if got := errorCode(err); got != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzPostPolicy(f *testing.F) {
	f.Add([]byte(`{"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"b"},["starts-with","$key","u/"],["content-length-range",1,10]]}`), "u/x")
	f.Add([]byte(`{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","$key","k"]]}`), "k")
	f.Add([]byte(`{"expiration":"2030-01-01T00:00:00Z","conditions":[{}]}`), "k")
	f.Add([]byte(`{"conditions":[["content-length-range",-1,"x"]]}`), "k")
	f.Add([]byte(`not json`), "k")
	f.Fuzz(func(t *testing.T, doc []byte, key string) {
		min, max, err := checkPostPolicy(doc, map[string]string{"bucket": "b", "key": key})
		if err == nil && (min < 0 || max < min) {
			t.Fatalf("accepted bounds %d..%d", min, max)
		}
	})
}
