package auth

import (
	"strings"
	"testing"
	"time"
)

func TestCapturesVerify(t *testing.T) {
	caps := parseCaptures(t)
	verified := map[Method]int{}
	for _, c := range caps {
		if c.postFields != nil || c.url == "" {
			continue
		}
		t.Run(c.file+"/"+c.name, func(t *testing.T) {
			if c.skip != "" {
				t.Skip(c.skip)
			}
			if !c.presign {
				if ok, why := c.signedHeadersCaptured(); !ok {
					t.Skip(why)
				}
			}
			r, err := c.serverRequest("", "", c.body, nil)
			if err != nil {
				t.Fatal(err)
			}
			sc := Identify(r)
			v := exampleVerifier(c.requestTime())
			res, body, err := verifyAll(v, r, VerifyOptions{S3: sc.Service == "s3"})
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if string(body) != string(c.body) && !c.presign {
				t.Fatalf("body = %q, want %q", body, c.body)
			}
			if res.Caller.AccessKeyID != exampleKey || res.Method != sc.Method {
				t.Fatalf("result = %+v", res)
			}
			verified[res.Method]++
			testCaptureMutations(t, c, sc)
		})
	}
	// Guard against a parser that silently skips everything.
	if verified[SigV4Header] < 30 || verified[SigV4Query] < 4 || verified[SigV2Query] < 4 {
		t.Fatalf("verified too few captures: %v", verified)
	}
}

func testCaptureMutations(t *testing.T, c *capture, sc Scope) {
	type mutation struct {
		name          string
		path, query   string
		body          []byte
		hdr           map[string]string
		clockShift    time.Duration
		onlyWithBody  bool
		onlyWithQuery bool
	}
	flipped := append([]byte(nil), c.body...)
	if len(flipped) > 0 {
		flipped[len(flipped)/2] ^= 0x20
	}
	muts := []mutation{
		{name: "path", path: "x"},
		{name: "query", query: "&versionId=1"},
		{name: "body", body: flipped, onlyWithBody: true},
	}
	if !c.presign {
		d := c.requestTime().Add(time.Second).Format(amzDateFormat)
		muts = append(muts, mutation{name: "header", hdr: map[string]string{"x-amz-date": d}})
	}
	if c.presign && sc.Method == SigV4Query {
		muts = append(muts, mutation{name: "signature", query: "", hdr: nil})
	}
	for _, m := range muts {
		if m.onlyWithBody && len(c.body) == 0 {
			continue
		}
		t.Run(m.name, func(t *testing.T) {
			body := c.body
			if m.body != nil {
				body = m.body
			}
			r, err := c.serverRequest(m.path, m.query, body, m.hdr)
			if err != nil {
				t.Fatal(err)
			}
			if m.name == "signature" {
				r.URL.RawQuery = flipSignature(r.URL.RawQuery)
				r.RequestURI = r.URL.RequestURI()
			}
			_, _, err = verifyAll(exampleVerifier(c.requestTime()), r, VerifyOptions{S3: sc.Service == "s3"})
			e := AsError(err)
			if e == nil {
				t.Fatalf("mutated request verified (err %v)", err)
			}
			switch e.Kind {
			case SignatureDoesNotMatch, ContentSHA256Mismatch, BadDigest:
			default:
				t.Fatalf("kind = %v (%v), want a signature or digest mismatch", e.Kind, e)
			}
		})
	}
}

func flipSignature(q string) string {
	i := strings.Index(q, "X-Amz-Signature=")
	if i < 0 {
		return q
	}
	i += len("X-Amz-Signature=")
	c := byte('0')
	if q[i] == '0' {
		c = '1'
	}
	return q[:i] + string(c) + q[i+1:]
}

func TestCapturedPostPolicies(t *testing.T) {
	n := 0
	for _, c := range parseCaptures(t) {
		if c.postFields == nil {
			continue
		}
		t.Run(c.file, func(t *testing.T) {
			v := exampleVerifier(time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC))
			pp, err := v.VerifyPostPolicy(t.Context(), c.postFields)
			if err != nil {
				t.Fatal(err)
			}
			if pp.Method != PostPolicyV2 || !strings.Contains(string(pp.Policy), "my-bucket") {
				t.Fatalf("got %+v", pp)
			}
			bad := map[string]string{}
			for k, val := range c.postFields {
				bad[k] = val
			}
			bad["signature"] = "AAAA" + bad["signature"][4:]
			if _, err := v.VerifyPostPolicy(t.Context(), bad); AsError(err) == nil || AsError(err).Kind != SignatureDoesNotMatch {
				t.Fatalf("tampered signature: %v", err)
			}
			late := exampleVerifier(time.Date(2026, 11, 28, 11, 0, 0, 0, time.UTC))
			if _, err := late.VerifyPostPolicy(t.Context(), c.postFields); AsError(err) == nil || AsError(err).Kind != PresignExpired {
				t.Fatalf("expired policy: %v", err)
			}
		})
		n++
	}
	if n < 2 {
		t.Fatalf("found %d presigned POST captures", n)
	}
}
