package policy

import (
	"errors"
	"strings"
	"testing"
)

// parseCases are documents with the kind they are parsed as and the expected
// MalformedError reason ("" when the document is valid).
var parseCases = []struct {
	name   string
	doc    string
	kind   Kind
	reason string
}{
	{"minimal identity", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, Identity, ""},
	{"statement array, lists", `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"a","Effect":"Deny","NotAction":["s3:Get*","sqs:*"],"NotResource":["arn:aws:s3:::b"]}]}`, Identity, ""},
	{"duplicate sids allowed", `{"Statement":[{"Sid":"a","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"a","Effect":"Allow","Action":"*","Resource":"*"}]}`, Identity, ""},
	{"legacy version", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, Identity, ""},
	{"bucket policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:user/a"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, Resource, ""},
	{"trust policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`, Trust, ""},
	{"any kind without resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sns:*"}]}`, AnyKind, ""},
	{"condition value types", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":[1,2.5,"3"]}}}}`, Identity, ""},
	{"not json", `{"Version":`, AnyKind, "Syntax errors in policy."},
	{"not an object", `["Statement"]`, AnyKind, "Syntax errors in policy."},
	{"trailing garbage", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} x`, AnyKind, "Syntax errors in policy."},
	{"unknown top-level element", `{"Version":"2012-10-17","Foo":1,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, AnyKind, "Syntax errors in policy."},
	{"lowercase element", `{"version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, AnyKind, "Syntax errors in policy."},
	{"unknown statement element", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Extra":"x"}}`, AnyKind, "Syntax errors in policy."},
	{"bad version", `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, AnyKind, "The policy must contain a valid version string"},
	{"numeric version", `{"Version":2012,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, AnyKind, "The policy must contain a valid version string"},
	{"missing statement", `{"Version":"2012-10-17"}`, AnyKind, "Missing required field Statement"},
	{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, AnyKind, "Missing required field Statement"},
	{"statement not object", `{"Statement":["x"]}`, AnyKind, "Syntax errors in policy."},
	{"missing effect", `{"Statement":{"Action":"*","Resource":"*"}}`, AnyKind, "Missing required field Effect"},
	{"bad effect", `{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`, AnyKind, "Invalid effect: allow"},
	{"missing action", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, AnyKind, "Policy statement must contain actions."},
	{"empty action list", `{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, AnyKind, "Policy statement must contain actions."},
	{"action and notaction", `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}}`, AnyKind, "Syntax errors in policy."},
	{"action without vendor", `{"Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}`, AnyKind, "Actions/Conditions must be prefaced by a vendor"},
	{"action not a string", `{"Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}`, AnyKind, "Syntax errors in policy."},
	{"action null", `{"Statement":{"Effect":"Allow","Action":null,"Resource":"*"}}`, AnyKind, "Syntax errors in policy."},
	{"missing resource identity", `{"Statement":{"Effect":"Allow","Action":"*"}}`, Identity, "Policy statement must contain resources."},
	{"missing resource bucket", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}`, Resource, "Missing required field Resource"},
	{"resource not arn", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"bucket/*"}}`, AnyKind, `Resource bucket/* must be in ARN format or "*".`},
	{"resource and notresource", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}}`, AnyKind, "Syntax errors in policy."},
	{"trust with resource", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}}`, Trust, "Has prohibited field Resource"},
	{"trust with notprincipal", `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}}`, Trust, "Has prohibited field NotPrincipal"},
	{"identity with principal", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, Identity, "Policy document should not specify a principal."},
	{"identity with notprincipal", `{"Statement":{"Effect":"Deny","NotPrincipal":"*","Action":"*","Resource":"*"}}`, Identity, "Policy document should not specify a principal."},
	{"resource policy without principal", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, Resource, "Missing required field Principal"},
	{"trust without principal", `{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`, Trust, "Missing required field Principal"},
	{"principal and notprincipal", `{"Statement":{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"*","Resource":"*"}}`, AnyKind, "Syntax errors in policy."},
	{"principal bare arn", `{"Statement":{"Effect":"Allow","Principal":"arn:aws:iam::123456789012:root","Action":"*","Resource":"*"}}`, AnyKind, "Invalid principal in policy"},
	{"principal bad account", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"12345"},"Action":"*","Resource":"*"}}`, AnyKind, "Invalid principal in policy"},
	{"principal group", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:group/g"},"Action":"*","Resource":"*"}}`, AnyKind, "Invalid principal in policy"},
	{"principal partial wildcard", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/*"},"Action":"*","Resource":"*"}}`, AnyKind, "Invalid principal in policy"},
	{"principal unknown type", `{"Statement":{"Effect":"Allow","Principal":{"Person":"bob"},"Action":"*","Resource":"*"}}`, AnyKind, "Invalid principal in policy"},
	{"principal empty object", `{"Statement":{"Effect":"Allow","Principal":{},"Action":"*","Resource":"*"}}`, AnyKind, "Invalid principal in policy"},
	{"principal empty list", `{"Statement":{"Effect":"Allow","Principal":{"AWS":[]},"Action":"*","Resource":"*"}}`, AnyKind, "Invalid principal in policy"},
	{"principal empty service", `{"Statement":{"Effect":"Allow","Principal":{"Service":""},"Action":"*","Resource":"*"}}`, AnyKind, "Invalid principal in policy"},
	{"unknown condition operator", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"a"}}}}`, AnyKind, "Invalid Condition type : StringEqualz"},
	{"null if exists", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"aws:username":"true"}}}}`, AnyKind, "Invalid Condition type : NullIfExists"},
	{"condition key without vendor", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"username":"a"}}}}`, AnyKind, "Actions/Conditions must be prefaced by a vendor"},
	{"condition value object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":{"a":1}}}}}`, AnyKind, "Syntax errors in policy."},
	{"condition value null", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":null}}}}`, AnyKind, "Syntax errors in policy."},
	{"condition block not object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":["x"]}}`, AnyKind, "Syntax errors in policy."},
	{"bad numeric value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"s3:max-keys":"ten"}}}}`, AnyKind, "Invalid value for condition operator NumericEquals"},
	{"nan numeric value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"s3:max-keys":"NaN"}}}}`, AnyKind, "Invalid value for condition operator"},
	{"bad date value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}}`, AnyKind, "Invalid value for condition operator DateLessThan"},
	{"bad ip value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}}`, AnyKind, "Invalid value for condition operator IpAddress"},
	{"bad binary value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"aws:x":"!!"}}}}`, AnyKind, "Invalid value for condition operator BinaryEquals"},
	{"bad null value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"aws:x":"yes"}}}}`, AnyKind, "Invalid value for condition operator Null"},
	{"sid not a string", `{"Statement":{"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"}}`, AnyKind, "Syntax errors in policy."},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseWith([]byte(tc.doc), ParseOptions{Kind: tc.kind})
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if string(p.Document()) != tc.doc {
					t.Errorf("Document() = %q", p.Document())
				}
				return
			}
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("error = %v (%T), want *MalformedError", err, err)
			}
			if !strings.HasPrefix(me.Reason, tc.reason) {
				t.Errorf("reason = %q, want prefix %q", me.Reason, tc.reason)
			}
		})
	}
}

func TestParseFields(t *testing.T) {
	doc := `{"Version":"2012-10-17","Id":"pid","Statement":[
	  {"Sid":"one","Effect":"Allow","Action":"s3:*","Resource":"*"},
	  {"Effect":"Deny","Action":"s3:Delete*","Resource":"arn:aws:s3:::b/*"}]}`
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != Version2012 || p.ID != "pid" || len(p.Statements) != 2 {
		t.Fatalf("got version %q id %q %d statements", p.Version, p.ID, len(p.Statements))
	}
	if p.Statements[0].Sid != "one" || p.Statements[0].Effect != EffectAllow || p.Statements[1].Effect != EffectDeny {
		t.Errorf("statements = %+v %+v", p.Statements[0], p.Statements[1])
	}
}

func TestParseAnyKindAcceptsEverySort(t *testing.T) {
	docs := []string{
		`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`,
		`{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`,
	}
	for i, doc := range docs {
		if _, err := Parse([]byte(doc)); err != nil {
			t.Errorf("doc %d: %v", i, err)
		}
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{NotApplicable: "NotApplicable", Allow: "Allow", Deny: "Deny", Decision(9): "NotApplicable"} {
		if got := d.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(d), got, want)
		}
	}
}
