package auth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

var spaceCases = []string{
	"", " ", "a", "a b", "a  b", " a", "a ", "a\tb", "\ta b\n", "text/plain; charset=utf-8",
	"x\u00a0y", "\u0085a", "é  ü", "a \v b",
}

// TestCanonicalSpaces checks canonicalSpaces against the definition it
// shortcuts: strings.Join(strings.Fields(v), " ").
func TestCanonicalSpaces(t *testing.T) {
	for _, v := range spaceCases {
		t.Run(v, func(t *testing.T) { checkCanonicalSpaces(t, v) })
	}
}

func FuzzCanonicalSpaces(f *testing.F) {
	for _, v := range spaceCases {
		f.Add(v)
	}
	f.Fuzz(checkCanonicalSpaces)
}

func checkCanonicalSpaces(t *testing.T, v string) {
	if got, want := canonicalSpaces(v), strings.Join(strings.Fields(v), " "); got != want {
		t.Errorf("canonicalSpaces(%q) = %q, want %q", v, got, want)
	}
}

// TestV4AuthFields checks the Authorization field parser on orderings,
// spacing, repeats and unknown fields.
func TestV4AuthFields(t *testing.T) {
	tests := []struct{ in, cred, signed, sig string }{
		{"Credential=AK/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
			"AK/20260101/us-east-1/sts/aws4_request", "host;x-amz-date", "abc"},
		{"Signature=abc,Credential=c,SignedHeaders=host", "c", "host", "abc"},
		{" Credential = c , Foo=bar, Signature=1, Signature=2", "c", "", "2"},
		{"garbage", "", "", ""},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, sh, sg := v4AuthFields(tt.in)
			if c != tt.cred || sh != tt.signed || sg != tt.sig {
				t.Errorf("v4AuthFields = %q, %q, %q; want %q, %q, %q", c, sh, sg, tt.cred, tt.signed, tt.sig)
			}
		})
	}
}

// TestParseCredential checks access keys with and without '/' and short
// credentials.
func TestParseCredential(t *testing.T) {
	tests := []struct {
		in   string
		want Scope
	}{
		{"AK/20260101/us-east-1/s3/aws4_request", Scope{AccessKeyID: "AK", Date: "20260101", Region: "us-east-1", Service: "s3"}},
		{"A/K/20260101/eu-west-1/sqs/aws4_request", Scope{AccessKeyID: "A/K", Date: "20260101", Region: "eu-west-1", Service: "sqs"}},
		{"AK/20260101/us-east-1/s3", Scope{AccessKeyID: "AK"}},
		{"AK", Scope{AccessKeyID: "AK"}},
		{"", Scope{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseCredential(tt.in); got != tt.want {
				t.Errorf("parseCredential(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

// TestSigV2BucketLevelPresign checks the form botocore signs path-style
// bucket-level presigned URLs in: the resource "/bucket/" for the path
// "/bucket".
func TestSigV2BucketLevelPresign(t *testing.T) {
	exp := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	for _, tc := range []struct{ path, resource string }{
		{"/v2probe", "/v2probe/"},
		{"/v2probe", "/v2probe"},
		{"/v2probe/key", "/v2probe/key"},
	} {
		sig := v2Sign("test", "GET\n\n\n"+exp+"\n"+tc.resource)
		r := httptest.NewRequest(http.MethodGet, tc.path+"?AWSAccessKeyId=test&Expires="+exp+"&Signature="+url.QueryEscape(sig), nil)
		v := &Verifier{Credentials: NewStaticCredentials(Credential{AccessKeyID: "test", SecretAccessKey: "test"})}
		if _, err := v.Verify(r, VerifyOptions{S3: true}); err != nil {
			t.Errorf("%s signed as %s: %v", tc.path, tc.resource, err)
		}
	}
	sig := v2Sign("test", "GET\n\n\n"+exp+"\n/v2probe/key/")
	r := httptest.NewRequest(http.MethodGet, "/v2probe/key?AWSAccessKeyId=test&Expires="+exp+"&Signature="+url.QueryEscape(sig), nil)
	v := &Verifier{Credentials: NewStaticCredentials(Credential{AccessKeyID: "test", SecretAccessKey: "test"})}
	if _, err := v.Verify(r, VerifyOptions{S3: true}); err == nil {
		t.Error("an object path signed with an extra slash verified")
	}
}
