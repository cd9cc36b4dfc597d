package policy

import (
	"sync"
	"testing"
)

// benchPolicy is a realistic ten-statement bucket policy mixing principals,
// wildcards, policy variables and several condition operators.
const benchPolicy = `{
  "Version": "2012-10-17",
  "Id": "BenchPolicy",
  "Statement": [
    {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::corp-data", "arn:aws:s3:::corp-data/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "DenyOutsideNetwork", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": "arn:aws:s3:::corp-data/*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24", "2001:db8::/32"]},
                   "Bool": {"aws:ViaAWSService": "false"}}},
    {"Sid": "DenyDeleteWithoutMFA", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
     "Resource": "arn:aws:s3:::corp-data/*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    {"Sid": "DenyUnencryptedPuts", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
     "Resource": "arn:aws:s3:::corp-data/*", "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": ["AES256", "aws:kms"]}}},
    {"Sid": "AdminsAll", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/admin", "arn:aws:iam::111122223333:user/root-ops"]},
     "Action": "s3:*", "Resource": ["arn:aws:s3:::corp-data", "arn:aws:s3:::corp-data/*"]},
    {"Sid": "ListOwnPrefix", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:ListBucket",
     "Resource": "arn:aws:s3:::corp-data", "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}}},
    {"Sid": "HomeFolders", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": ["s3:GetObject", "s3:PutObject"],
     "Resource": "arn:aws:s3:::corp-data/home/${aws:username}/*"},
    {"Sid": "TeamShare", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:Get*",
     "Resource": "arn:aws:s3:::corp-data/teams/*", "Condition": {"StringEquals": {"s3:ExistingObjectTag/team": "${aws:PrincipalTag/team}"}}},
    {"Sid": "ReadOnlyBusinessHours", "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": ["s3:GetObject", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::corp-data", "arn:aws:s3:::corp-data/public/*"],
     "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}, "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}},
    {"Sid": "Lambda", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::corp-data/artifacts/*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:lambda:*:111122223333:function:*"}}}
  ]}`

func benchRequest() *Request {
	return &Request{
		Principal: Principal{Type: "AWS", ID: "arn:aws:iam::111122223333:user/ann"},
		Action:    "s3:GetObject",
		Resource:  "arn:aws:s3:::corp-data/home/ann/report.pdf",
		Context: map[string][]string{
			"aws:SecureTransport":        {"true"},
			"aws:SourceIp":               {"192.0.2.44"},
			"aws:ViaAWSService":          {"false"},
			"aws:username":               {"ann"},
			"aws:userid":                 {"AIDAEXAMPLE"},
			"aws:CurrentTime":            {"2026-01-02T03:04:05Z"},
			"aws:EpochTime":              {"1767323045"},
			"aws:MultiFactorAuthPresent": {"true"},
			"aws:PrincipalTag/team":      {"red"},
		},
	}
}

func TestBenchPolicy(t *testing.T) {
	p := mustParse(t, benchPolicy, Resource)
	r := benchRequest()
	if got := p.Evaluate(r); got != Allow {
		t.Fatalf("home folder read = %v, want Allow", got)
	}
	r.Context["aws:SourceIp"] = []string{"203.0.113.1"}
	if got := p.Evaluate(r); got != Deny {
		t.Fatalf("read from outside = %v, want Deny", got)
	}
	r = benchRequest()
	r.Resource = "arn:aws:s3:::corp-data/home/bob/report.pdf"
	if got := p.Evaluate(r); got != NotApplicable {
		t.Fatalf("other home folder = %v, want NotApplicable", got)
	}
}

func TestEvaluateConcurrent(t *testing.T) {
	p := mustParse(t, benchPolicy, Resource)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if d := p.Evaluate(benchRequest()); d != Allow {
					t.Errorf("Evaluate = %v, want Allow", d)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkEvaluate(b *testing.B) {
	p := mustParse(b, benchPolicy, Resource)
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if p.Evaluate(r) != Allow {
			b.Fatal("not allowed")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	doc := []byte(benchPolicy)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add([]byte(tc.doc), uint8(tc.kind))
	}
	f.Add([]byte(benchPolicy), uint8(Resource))
	f.Fuzz(func(t *testing.T, doc []byte, kind uint8) {
		p, err := ParseWith(doc, ParseOptions{Kind: Kind(kind % 4)})
		if err != nil {
			if _, ok := err.(*MalformedError); !ok {
				t.Fatalf("error %T is not *MalformedError", err)
			}
			return
		}
		if len(p.Statements) == 0 {
			t.Fatal("valid policy without statements")
		}
		p.Evaluate(&Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
	})
}

func FuzzEvaluate(f *testing.F) {
	for _, tc := range parseCases {
		if tc.reason == "" {
			f.Add(tc.doc, "s3:GetObject", "arn:aws:s3:::b/k", "aws:username", "ann", "arn:aws:iam::123456789012:user/a")
		}
	}
	f.Add(benchPolicy, "s3:GetObject", "arn:aws:s3:::corp-data/home/ann/x", "aws:username", "ann", "arn:aws:sts::111122223333:assumed-role/admin/s")
	f.Add(benchPolicy, "s3:PutObject", "arn:aws:s3:::corp-data/x", "aws:SourceIp", "2001:db8::1", "111122223333")
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::${aws:username, 'a''b'}/${*}?*","Condition":{"ForAllValues:ArnLike":{"aws:x":"arn:*:*:*:*:${aws:username}"},"DateEqualsIfExists":{"aws:y":"2020"}}}}`,
		"s3:x", "arn:aws:s3:::ann/*zz", "aws:x", "arn:a:b:c:d:ann", "")
	f.Fuzz(func(t *testing.T, doc, action, resource, key, value, principal string) {
		p, err := Parse([]byte(doc))
		if err != nil {
			return
		}
		r := &Request{
			Principal: Principal{Type: "AWS", ID: principal},
			Action:    action,
			Resource:  resource,
			Context:   map[string][]string{key: {value}, "aws:username": {value}},
		}
		d1 := p.Evaluate(r)
		if d2 := Evaluate(r, p); d1 != d2 {
			t.Fatalf("Policy.Evaluate %v != Evaluate %v", d1, d2)
		}
		if d3 := Evaluate(r, p, p); d3 != d1 {
			t.Fatalf("evaluating twice changed the decision: %v != %v", d3, d1)
		}
	})
}
