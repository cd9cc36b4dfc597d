package arn

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

var parseCases = []struct {
	in      string
	want    ARN
	wantErr string
}{
	{in: "arn:aws:s3:::my-bucket", want: ARN{"aws", "s3", "", "", "my-bucket"}},
	{in: "arn:aws:s3:::my-bucket/a/b:c.txt", want: ARN{"aws", "s3", "", "", "my-bucket/a/b:c.txt"}},
	{in: "arn:aws:iam::000000000000:user/path/alice", want: ARN{"aws", "iam", "", "000000000000", "user/path/alice"}},
	{in: "arn:aws:iam::aws:policy/AdministratorAccess", want: ARN{"aws", "iam", "", "aws", "policy/AdministratorAccess"}},
	{in: "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST", want: ARN{"aws", "lambda", "us-east-1", "123456789012", "function:fn:$LATEST"}},
	{in: "arn:aws-cn:sqs:cn-north-1:123456789012:q", want: ARN{"aws-cn", "sqs", "cn-north-1", "123456789012", "q"}},
	{in: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*", want: ARN{"aws", "logs", "us-east-1", "123456789012", "log-group:/aws/lambda/f:*"}},
	{in: "", wantErr: "want arn:"},
	{in: "arn:aws:s3:::", wantErr: "resource is empty"},
	{in: "arn:aws:s3", wantErr: "want arn:"},
	{in: "urn:aws:s3:::b", wantErr: "must start"},
	{in: "arn::s3:::b", wantErr: "partition"},
	{in: "arn:AWS:s3:::b", wantErr: "partition"},
	{in: "arn:aws::us-east-1:123456789012:x", wantErr: "service"},
	{in: "arn:aws:sqs:US_EAST:123456789012:q", wantErr: "region"},
	{in: "arn:aws:sqs:us-east-1:12345:q", wantErr: "account id"},
	{in: "arn:aws:sqs:us-east-1:12345678901a:q", wantErr: "account id"},
	{in: "arn:aws:sqs:us-east-1:123456789012:q\nx", wantErr: "control"},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.wantErr != "" {
				if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want ErrInvalid mentioning %q", tc.in, err, tc.wantErr)
				}
				if IsARN(tc.in) {
					t.Fatal("IsARN = true")
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			if got.String() != tc.in {
				t.Fatalf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
}

func TestResourceTypeAndID(t *testing.T) {
	tests := []struct{ resource, typ, id string }{
		{"function:fn:1", "function", "fn:1"},
		{"user/path/alice", "user", "path/alice"},
		{"bucket", "", "bucket"},
	}
	for _, tc := range tests {
		t.Run(tc.resource, func(t *testing.T) {
			a := ARN{Resource: tc.resource}
			if a.ResourceType() != tc.typ || a.ResourceID() != tc.id {
				t.Fatalf("got %q, %q", a.ResourceType(), a.ResourceID())
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		if a.String() != s {
			t.Fatalf("round trip %q -> %q", s, a.String())
		}
		if b, err := Parse(a.String()); err != nil || b != a {
			t.Fatalf("reparse %q: %+v %v", s, b, err)
		}
	})
}

func TestIDFormats(t *testing.T) {
	tests := []struct {
		name string
		gen  func() string
		re   string
	}{
		{"request id", RequestID, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`},
		{"long-term key", func() string { return AccessKeyID(false) }, `^AKIA[A-Z0-9]{16}$`},
		{"temporary key", func() string { return AccessKeyID(true) }, `^ASIA[A-Z0-9]{16}$`},
		{"secret", SecretAccessKey, `^[A-Za-z0-9+/]{40}$`},
		{"user id", func() string { return UniqueID(PrefixUser) }, `^AIDA[A-Z0-9]{17}$`},
		{"role id", func() string { return UniqueID(PrefixRole) }, `^AROA[A-Z0-9]{17}$`},
		{"policy id", func() string { return UniqueID(PrefixPolicy) }, `^ANPA[A-Z0-9]{17}$`},
		{"group id", func() string { return UniqueID(PrefixGroup) }, `^AGPA[A-Z0-9]{17}$`},
		{"hex 32", func() string { return Hex(32) }, `^[0-9a-f]{32}$`},
		{"hex odd", func() string { return Hex(7) }, `^[0-9a-f]{7}$`},
		{"s3 request id", S3RequestID, `^[0-9A-F]{16}$`},
		{"amz id 2", AmzID2, `^[A-Za-z0-9+/]{76}$`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			re := regexp.MustCompile(tc.re)
			seen := map[string]bool{}
			for range 200 {
				id := tc.gen()
				if !re.MatchString(id) {
					t.Fatalf("%q does not match %s", id, tc.re)
				}
				if seen[id] {
					t.Fatalf("duplicate id %q", id)
				}
				seen[id] = true
			}
		})
	}
}

// TestRandomStringUniform checks every alphabet character occurs: a biased
// or truncated alphabet would show up as missing characters.
func TestRandomStringUniform(t *testing.T) {
	counts := map[byte]int{}
	s := randomString(upperAlnum, 36*400)
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	for i := 0; i < len(upperAlnum); i++ {
		if n := counts[upperAlnum[i]]; n < 250 || n > 550 {
			t.Fatalf("character %q occurred %d times in %d draws, want about 400", upperAlnum[i], n, len(s))
		}
	}
}
