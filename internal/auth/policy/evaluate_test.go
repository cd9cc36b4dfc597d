package policy

import (
	"testing"
)

// evalCase is one request against one policy document, with the expected
// decision.
type evalCase struct {
	name string
	req  Request
	want Decision
}

// kv builds a single-valued request context from key, value pairs.
func kv(pairs ...string) map[string][]string {
	m := make(map[string][]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = append(m[pairs[i]], pairs[i+1])
	}
	return m
}

func mustParse(t testing.TB, doc string, kind Kind) *Policy {
	t.Helper()
	p, err := ParseWith([]byte(doc), ParseOptions{Kind: kind})
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, doc)
	}
	return p
}

func runEval(t *testing.T, doc string, kind Kind, cases []evalCase) {
	t.Helper()
	p := mustParse(t, doc, kind)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			if got := p.Evaluate(&req); got != tc.want {
				t.Errorf("Evaluate = %v, want %v (request %+v)", got, tc.want, tc.req)
			}
			if got := Evaluate(&req, p); got != tc.want {
				t.Errorf("package Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
}

var (
	anon  = Principal{Type: "*"}
	bob   = Principal{Type: "AWS", ID: "arn:aws:iam::444455556666:user/Bob"}
	alice = Principal{Type: "AWS", ID: "arn:aws:iam::444455556666:user/Alice"}
)

// The AWS S3 user guide example that denies every request not sent over TLS,
// combined with a public-read statement.
func TestEvaluateSecureTransport(t *testing.T) {
	doc := `{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
	     "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"},
	    {"Sid": "RestrictToTLSRequestsOnly", "Effect": "Deny", "Principal": "*",
	     "Action": "s3:*",
	     "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
	     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
	  ]}`
	obj := "arn:aws:s3:::DOC-EXAMPLE-BUCKET/photo.jpg"
	runEval(t, doc, Resource, []evalCase{
		{"https get", Request{Principal: anon, Action: "s3:GetObject", Resource: obj, Context: kv("aws:SecureTransport", "true")}, Allow},
		{"http get", Request{Principal: anon, Action: "s3:GetObject", Resource: obj, Context: kv("aws:SecureTransport", "false")}, Deny},
		{"http get uppercase bool", Request{Principal: bob, Action: "s3:GetObject", Resource: obj, Context: kv("aws:SecureTransport", "FALSE")}, Deny},
		{"https put not allowed", Request{Principal: anon, Action: "s3:PutObject", Resource: obj, Context: kv("aws:SecureTransport", "true")}, NotApplicable},
		{"http put denied", Request{Principal: anon, Action: "s3:PutObject", Resource: obj, Context: kv("aws:SecureTransport", "false")}, Deny},
		{"missing key: Bool does not match", Request{Principal: anon, Action: "s3:GetObject", Resource: obj}, Allow},
		{"other bucket", Request{Principal: anon, Action: "s3:GetObject", Resource: "arn:aws:s3:::other/x", Context: kv("aws:SecureTransport", "false")}, NotApplicable},
		{"bucket itself http", Request{Principal: anon, Action: "s3:ListBucket", Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET", Context: kv("aws:SecureTransport", "false")}, Deny},
	})
}

// The S3 user guide "restrict access to specific IP addresses" example, with
// both IPv4 and IPv6 ranges.
func TestEvaluateSourceIP(t *testing.T) {
	doc := `{
	  "Version": "2012-10-17",
	  "Id": "S3PolicyId1",
	  "Statement": [
	    {"Sid": "IPAllow", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
	     "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
	     "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:DB8:1234:5678::/64"]}}},
	    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject",
	     "Resource": "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"}
	  ]}`
	obj := "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a"
	get := func(ip string) Request {
		return Request{Principal: bob, Action: "s3:GetObject", Resource: obj, Context: kv("aws:SourceIp", ip)}
	}
	runEval(t, doc, Resource, []evalCase{
		{"inside v4 range", get("192.0.2.77"), Allow},
		{"outside v4 range", get("203.0.113.9"), Deny},
		{"inside v6 range", get("2001:db8:1234:5678::1"), Allow},
		{"outside v6 range", get("2001:db8:1234:5679::1"), Deny},
		{"v4-mapped v6 inside", get("::ffff:192.0.2.5"), Allow},
		{"garbage ip counts as outside", get("not-an-ip"), Deny},
		// NotIpAddress is negated: a missing key makes it true (IAM condition
		// operator reference), so the Deny applies.
		{"missing SourceIp", Request{Principal: bob, Action: "s3:GetObject", Resource: obj}, Deny},
	})
}

// The IAM guide's home-folder policy using ${aws:username}.
func TestEvaluateUsernameHomeFolder(t *testing.T) {
	doc := `{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"], "Resource": "arn:aws:s3:::*"},
	    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::BUCKET-NAME",
	     "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}}},
	    {"Effect": "Allow", "Action": "s3:*",
	     "Resource": ["arn:aws:s3:::BUCKET-NAME/home/${aws:username}", "arn:aws:s3:::BUCKET-NAME/home/${aws:username}/*"]}
	  ]}`
	bucket := "arn:aws:s3:::BUCKET-NAME"
	david := kv("aws:username", "David")
	runEval(t, doc, Identity, []evalCase{
		{"list own prefix", Request{Action: "s3:ListBucket", Resource: bucket, Context: kv("aws:username", "David", "s3:prefix", "home/David/")}, Allow},
		{"list home", Request{Action: "s3:ListBucket", Resource: bucket, Context: kv("aws:username", "David", "s3:prefix", "home/")}, Allow},
		{"list root", Request{Action: "s3:ListBucket", Resource: bucket, Context: kv("aws:username", "David", "s3:prefix", "")}, Allow},
		{"list other user's prefix", Request{Action: "s3:ListBucket", Resource: bucket, Context: kv("aws:username", "David", "s3:prefix", "home/Bob/")}, NotApplicable},
		{"get own object", Request{Action: "s3:GetObject", Resource: bucket + "/home/David/notes.txt", Context: david}, Allow},
		{"put own folder", Request{Action: "s3:PutObject", Resource: bucket + "/home/David", Context: david}, Allow},
		{"get other user's object", Request{Action: "s3:GetObject", Resource: bucket + "/home/Bob/notes.txt", Context: david}, NotApplicable},
		{"case matters in resources", Request{Action: "s3:GetObject", Resource: bucket + "/home/david/x", Context: david}, NotApplicable},
		{"variable key is case-insensitive", Request{Action: "s3:GetObject", Resource: bucket + "/home/David/x", Context: kv("AWS:UserName", "David")}, Allow},
		{"role has no username: no match", Request{Action: "s3:GetObject", Resource: bucket + "/home/David/x"}, NotApplicable},
		{"multivalued key is not a variable", Request{Action: "s3:GetObject", Resource: bucket + "/home/David/x", Context: map[string][]string{"aws:username": {"David", "Bob"}}}, NotApplicable},
		{"username with star is literal", Request{Action: "s3:GetObject", Resource: bucket + "/home/Dav/x", Context: kv("aws:username", "Dav*")}, NotApplicable},
		{"list all buckets", Request{Action: "s3:ListAllMyBuckets", Resource: "arn:aws:s3:::anything"}, Allow},
	})
}

// Without Version 2012-10-17, ${aws:username} is literal text.
func TestEvaluateVariablesNeedVersion(t *testing.T) {
	for _, version := range []string{`"Version": "2008-10-17",`, ``} {
		doc := `{` + version + `"Statement": {"Effect": "Allow", "Action": "s3:GetObject",
		  "Resource": "arn:aws:s3:::b/${aws:username}/*"}}`
		runEval(t, doc, Identity, []evalCase{
			{"literal matches", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/${aws:username}/x", Context: kv("aws:username", "David")}, Allow},
			{"not substituted", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/David/x", Context: kv("aws:username", "David")}, NotApplicable},
		})
	}
}

// The IAM guide example that denies everything except IAM actions unless MFA
// was used (Deny + NotAction + BoolIfExists), next to an allow-all statement.
func TestEvaluateDenyNotAction(t *testing.T) {
	doc := `{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Effect": "Allow", "Action": "*", "Resource": "*"},
	    {"Sid": "DenyAllUsersNotUsingMFA", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
	     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
	  ]}`
	runEval(t, doc, Identity, []evalCase{
		{"s3 without mfa", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: kv("aws:MultiFactorAuthPresent", "false")}, Deny},
		{"s3 with key missing (IfExists true)", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}, Deny},
		{"s3 with mfa", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: kv("aws:MultiFactorAuthPresent", "true")}, Allow},
		{"iam without mfa", Request{Action: "iam:ListUsers", Resource: "arn:aws:iam::123456789012:user/x"}, Allow},
		{"iam action case-insensitive", Request{Action: "IAM:listusers", Resource: "*"}, Allow},
		{"action without resource", Request{Action: "sts:GetCallerIdentity", Context: kv("aws:MultiFactorAuthPresent", "true")}, Allow},
	})
}

// The IAM guide's NotPrincipal-with-Deny example: only the listed principals
// escape the Deny, and the account must be listed too.
func TestEvaluateNotPrincipalDeny(t *testing.T) {
	allowAll := `{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::BUCKETNAME/*"}`
	userAndAccount := `{"Version": "2012-10-17", "Statement": [` + allowAll + `,
	  {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::444455556666:user/Bob", "arn:aws:iam::444455556666:root"]},
	   "Action": "s3:*", "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"]}]}`
	obj := "arn:aws:s3:::BUCKETNAME/k"
	runEval(t, userAndAccount, Resource, []evalCase{
		{"bob escapes the deny", Request{Principal: bob, Action: "s3:GetObject", Resource: obj}, Allow},
		{"alice is denied", Request{Principal: alice, Action: "s3:GetObject", Resource: obj}, Deny},
		{"anonymous is denied", Request{Principal: anon, Action: "s3:GetObject", Resource: obj}, Deny},
		{"account root escapes", Request{Principal: Principal{Type: "AWS", ID: "arn:aws:iam::444455556666:root"}, Action: "s3:GetObject", Resource: obj}, Allow},
		{"service is denied", Request{Principal: Principal{Type: "Service", ID: "lambda.amazonaws.com"}, Action: "s3:GetObject", Resource: obj}, Deny},
	})
	userOnly := `{"Version": "2012-10-17", "Statement": [` + allowAll + `,
	  {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::444455556666:user/Bob"},
	   "Action": "s3:*", "Resource": "arn:aws:s3:::BUCKETNAME/*"}]}`
	runEval(t, userOnly, Resource, []evalCase{
		{"without the account bob is denied too", Request{Principal: bob, Action: "s3:GetObject", Resource: obj}, Deny},
	})
	roleAndAccount := `{"Version": "2012-10-17", "Statement": [` + allowAll + `,
	  {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::444455556666:role/cross-account-read-only-role", "444455556666"]},
	   "Action": "s3:*", "Resource": "arn:aws:s3:::BUCKETNAME/*"}]}`
	session := Principal{Type: "AWS", ID: "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/session1"}
	other := Principal{Type: "AWS", ID: "arn:aws:sts::444455556666:assumed-role/admin/session1"}
	runEval(t, roleAndAccount, Resource, []evalCase{
		{"session of listed role escapes", Request{Principal: session, Action: "s3:GetObject", Resource: obj}, Allow},
		{"session of other role denied", Request{Principal: other, Action: "s3:GetObject", Resource: obj}, Deny},
	})
	sessionOnly := `{"Version": "2012-10-17", "Statement": [` + allowAll + `,
	  {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/session1", "444455556666"]},
	   "Action": "s3:*", "Resource": "arn:aws:s3:::BUCKETNAME/*"}]}`
	runEval(t, sessionOnly, Resource, []evalCase{
		// AWS checks the account, then the role, then the session: the role
		// must be listed too.
		{"session without its role is denied", Request{Principal: session, Action: "s3:GetObject", Resource: obj}, Deny},
	})
}

// The IAM guide's multivalued context key examples with aws:TagKeys.
func TestEvaluateSetOperators(t *testing.T) {
	forAll := `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
	  "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}}}`
	tags := func(keys ...string) Request {
		return Request{Action: "ec2:CreateTags", Resource: "arn:aws:ec2:us-east-1:123456789012:instance/i-1", Context: map[string][]string{"aws:TagKeys": keys}}
	}
	runEval(t, forAll, Identity, []evalCase{
		{"subset", tags("environment"), Allow},
		{"exact set", tags("cost-center", "environment"), Allow},
		{"extra key", tags("environment", "owner"), NotApplicable},
		{"empty set is true", tags(), Allow},
		{"missing key is true", Request{Action: "ec2:CreateTags", Resource: "*"}, Allow},
		{"values are case-sensitive", tags("Environment"), NotApplicable},
	})
	forAny := `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
	  "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}}}`
	runEval(t, forAny, Identity, []evalCase{
		{"one matches", tags("environment", "owner"), Allow},
		{"none matches", tags("owner"), NotApplicable},
		{"empty set is false", tags(), NotApplicable},
		{"missing key is false", Request{Action: "ec2:CreateTags", Resource: "*"}, NotApplicable},
	})
	// Deny tagging with keys outside an allowed list: ForAnyValue:StringNotLike.
	denyOthers := `{"Version": "2012-10-17", "Statement": [
	  {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*"},
	  {"Effect": "Deny", "Action": "ec2:CreateTags", "Resource": "*",
	   "Condition": {"ForAnyValue:StringNotLike": {"aws:TagKeys": ["env*", "cost-*"]}}}]}`
	runEval(t, denyOthers, Identity, []evalCase{
		{"allowed keys", tags("environment", "cost-center"), Allow},
		{"one unknown key", tags("environment", "owner"), Deny},
		{"no keys", tags(), Allow},
	})
	forAllNot := `{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*",
	  "Condition": {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["a", "b"]}}}}`
	runEval(t, forAllNot, Identity, []evalCase{
		{"no value equals", tags("c", "d"), Deny},
		{"one value equals", tags("c", "a"), NotApplicable},
		{"missing key", Request{Action: "s3:GetObject", Resource: "*"}, Deny},
	})
}

// The IAM guide's "allows access based on date and time" example.
func TestEvaluateDateConditions(t *testing.T) {
	doc := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "service-prefix:action-name", "Resource": "*",
	  "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
	                "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}}}]}`
	at := func(ts string) Request {
		return Request{Action: "service-prefix:action-name", Context: kv("aws:CurrentTime", ts)}
	}
	runEval(t, doc, Identity, []evalCase{
		{"inside window", at("2020-05-01T12:00:00Z"), Allow},
		{"offset pushes past the window", at("2020-06-30T23:59:00-00:30"), NotApplicable},
		{"offset keeps inside the window", at("2020-07-01T00:30:00+01:00"), Allow},
		{"before window", at("2020-03-31T23:59:59Z"), NotApplicable},
		{"after window", at("2020-07-01T00:00:00Z"), NotApplicable},
		{"fractional seconds", at("2020-05-01T12:00:00.123Z"), Allow},
		{"missing key", Request{Action: "service-prefix:action-name"}, NotApplicable},
		{"unparsable time", at("yesterday"), NotApplicable},
	})
	epoch := `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
	  "Condition": {"DateLessThanEquals": {"aws:EpochTime": "1593561599"}, "DateGreaterThanEquals": {"aws:TokenIssueTime": "2020-01-01"}}}}`
	runEval(t, epoch, Identity, []evalCase{
		{"epoch before", Request{Action: "s3:GetObject", Context: kv("aws:EpochTime", "1593561598", "aws:TokenIssueTime", "2020-01-01T00:00:00Z")}, Allow},
		{"epoch equal", Request{Action: "s3:GetObject", Context: kv("aws:EpochTime", "2020-06-30T23:59:59Z", "aws:TokenIssueTime", "2020-02-01T00:00:00Z")}, Allow},
		{"epoch after", Request{Action: "s3:GetObject", Context: kv("aws:EpochTime", "1593561600", "aws:TokenIssueTime", "2020-02-01T00:00:00Z")}, NotApplicable},
		{"token too old", Request{Action: "s3:GetObject", Context: kv("aws:EpochTime", "1", "aws:TokenIssueTime", "2019-12-31T23:59:59Z")}, NotApplicable},
	})
}

// Role trust policies from the IAM guide: a service principal and a role ARN.
func TestEvaluateTrustPolicies(t *testing.T) {
	lambdaTrust := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
	  "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}`
	role := "arn:aws:iam::111122223333:role/lambda-exec"
	runEval(t, lambdaTrust, Trust, []evalCase{
		{"lambda may assume", Request{Principal: Principal{Type: "Service", ID: "lambda.amazonaws.com"}, Action: "sts:AssumeRole", Resource: role}, Allow},
		{"ec2 may not", Request{Principal: Principal{Type: "Service", ID: "ec2.amazonaws.com"}, Action: "sts:AssumeRole", Resource: role}, NotApplicable},
		{"a user may not", Request{Principal: bob, Action: "sts:AssumeRole", Resource: role}, NotApplicable},
		{"lambda may not tag", Request{Principal: Principal{Type: "Service", ID: "lambda.amazonaws.com"}, Action: "sts:TagSession", Resource: role}, NotApplicable},
		{"anonymous may not", Request{Principal: anon, Action: "sts:AssumeRole", Resource: role}, NotApplicable},
	})
	roleTrust := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
	  "Principal": {"AWS": ["arn:aws:iam::111122223333:role/ops/Deployer", "444455556666"]},
	  "Action": ["sts:AssumeRole", "sts:TagSession"],
	  "Condition": {"StringEquals": {"sts:ExternalId": "Unique-ID-42"}}}]}`
	deployer := Principal{Type: "AWS", ID: "arn:aws:sts::111122223333:assumed-role/Deployer/build-17"}
	ext := kv("sts:ExternalId", "Unique-ID-42")
	runEval(t, roleTrust, Trust, []evalCase{
		{"session of the role", Request{Principal: deployer, Action: "sts:AssumeRole", Resource: role, Context: ext}, Allow},
		{"wrong external id", Request{Principal: deployer, Action: "sts:AssumeRole", Resource: role, Context: kv("sts:ExternalId", "x")}, NotApplicable},
		{"no external id", Request{Principal: deployer, Action: "sts:AssumeRole", Resource: role}, NotApplicable},
		{"other role's session", Request{Principal: Principal{Type: "AWS", ID: "arn:aws:sts::111122223333:assumed-role/Other/s"}, Action: "sts:AssumeRole", Resource: role, Context: ext}, NotApplicable},
		{"same role name other account", Request{Principal: Principal{Type: "AWS", ID: "arn:aws:sts::999999999999:assumed-role/Deployer/s"}, Action: "sts:AssumeRole", Resource: role, Context: ext}, NotApplicable},
		{"user of trusted account", Request{Principal: bob, Action: "sts:AssumeRole", Resource: role, Context: ext}, Allow},
		{"account given separately", Request{Principal: Principal{Type: "AWS", ID: "AIDAEXAMPLE"}, PrincipalAccount: "444455556666", Action: "sts:AssumeRole", Context: ext}, Allow},
		{"user of untrusted account", Request{Principal: Principal{Type: "AWS", ID: "arn:aws:iam::111122223333:user/Eve"}, Action: "sts:AssumeRole", Resource: role, Context: ext}, NotApplicable},
	})
}

// Evaluate across several policies: explicit deny wins over allow, which wins
// over the implicit deny.
func TestEvaluateAcrossPolicies(t *testing.T) {
	identity := mustParse(t, `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}`, Identity)
	bucketDeny := mustParse(t, `{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"}}`, Resource)
	nothing := mustParse(t, `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}}`, Identity)
	del := &Request{Principal: bob, Action: "s3:DeleteObject", Resource: "arn:aws:s3:::b/k"}
	get := &Request{Principal: bob, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}
	tests := []struct {
		name     string
		req      *Request
		policies []*Policy
		want     Decision
	}{
		{"deny wins", del, []*Policy{identity, bucketDeny}, Deny},
		{"deny wins in any order", del, []*Policy{bucketDeny, identity}, Deny},
		{"allow", get, []*Policy{nothing, identity, bucketDeny}, Allow},
		{"implicit deny", get, []*Policy{nothing}, NotApplicable},
		{"no policies", get, nil, NotApplicable},
		{"nil policy skipped", get, []*Policy{nil, identity}, Allow},
		{"nil request", nil, []*Policy{identity}, NotApplicable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Evaluate(tc.req, tc.policies...); got != tc.want {
				t.Errorf("Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEvaluatePrincipalForms(t *testing.T) {
	tests := []struct {
		name      string
		principal string
		caller    Principal
		want      Decision
	}{
		{"star matches anonymous", `"*"`, anon, Allow},
		{"star matches a user", `"*"`, bob, Allow},
		{"AWS star matches anonymous", `{"AWS": "*"}`, anon, Allow},
		{"AWS star matches a service", `{"AWS": ["*"]}`, Principal{Type: "Service", ID: "sns.amazonaws.com"}, Allow},
		{"account id matches user", `{"AWS": "444455556666"}`, bob, Allow},
		{"root arn matches user", `{"AWS": "arn:aws:iam::444455556666:root"}`, alice, Allow},
		{"root arn does not match anonymous", `{"AWS": "arn:aws:iam::444455556666:root"}`, anon, NotApplicable},
		{"user arn exact", `{"AWS": "arn:aws:iam::444455556666:user/Bob"}`, bob, Allow},
		{"user arn other user", `{"AWS": "arn:aws:iam::444455556666:user/Bob"}`, alice, NotApplicable},
		{"user with path", `{"AWS": "arn:aws:iam::444455556666:user/team/Carol"}`, Principal{Type: "AWS", ID: "arn:aws:iam::444455556666:user/team/Carol"}, Allow},
		{"session arn exact", `{"AWS": "arn:aws:sts::444455556666:assumed-role/R/s1"}`, Principal{Type: "AWS", ID: "arn:aws:sts::444455556666:assumed-role/R/s1"}, Allow},
		{"session arn other session", `{"AWS": "arn:aws:sts::444455556666:assumed-role/R/s1"}`, Principal{Type: "AWS", ID: "arn:aws:sts::444455556666:assumed-role/R/s2"}, NotApplicable},
		{"service case-insensitive", `{"Service": ["LAMBDA.amazonaws.com"]}`, Principal{Type: "Service", ID: "lambda.amazonaws.com"}, Allow},
		{"service does not match AWS", `{"Service": "lambda.amazonaws.com"}`, Principal{Type: "AWS", ID: "lambda.amazonaws.com"}, NotApplicable},
		{"federated", `{"Federated": "cognito-identity.amazonaws.com"}`, Principal{Type: "Federated", ID: "cognito-identity.amazonaws.com"}, Allow},
		{"canonical user", `{"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}`, Principal{Type: "CanonicalUser", ID: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, Allow},
		{"mixed types", `{"AWS": "111122223333", "Service": "sqs.amazonaws.com"}`, Principal{Type: "Service", ID: "sqs.amazonaws.com"}, Allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": ` + tc.principal +
				`, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}`
			p := mustParse(t, doc, Resource)
			req := &Request{Principal: tc.caller, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}
			if got := p.Evaluate(req); got != tc.want {
				t.Errorf("Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEvaluateActionsAndResources(t *testing.T) {
	tests := []struct {
		name      string
		notAction bool
		action    string
		resource  string
		reqAct    string
		reqRes    string
		want      Decision
	}{
		{"prefix wildcard", false, `"s3:Get*"`, `"*"`, "s3:GetObjectAcl", "arn:aws:s3:::b/k", Allow},
		{"question mark", false, `"s3:?etObject"`, `"*"`, "s3:GetObject", "", Allow},
		{"question mark needs a char", false, `"s3:?GetObject"`, `"*"`, "s3:GetObject", "", NotApplicable},
		{"case-insensitive pattern", false, `"S3:GETOBJECT"`, `"*"`, "s3:GetObject", "", Allow},
		{"other service", false, `"s3:*"`, `"*"`, "sqs:SendMessage", "", NotApplicable},
		{"service wildcard", false, `"*:List*"`, `"*"`, "sqs:ListQueues", "", Allow},
		{"NotAction excludes", true, `["s3:DeleteObject"]`, `"*"`, "s3:DeleteObject", "", NotApplicable},
		{"empty resource only for star", false, `"s3:*"`, `"arn:aws:s3:::*"`, "s3:ListAllMyBuckets", "", NotApplicable},
		{"resource star crosses slash", false, `"s3:*"`, `"arn:aws:s3:::b*"`, "s3:GetObject", "arn:aws:s3:::b/x/y", Allow},
		{"resource star crosses colon", false, `"sqs:*"`, `"arn:aws:sqs:*:q1"`, "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q1", Allow},
		{"resource question", false, `"sqs:*"`, `"arn:aws:sqs:us-east-1:123456789012:q?"`, "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q10", NotApplicable},
		{"resource exact", false, `"sqs:*"`, `["arn:aws:sqs:us-east-1:123456789012:a", "arn:aws:sqs:us-east-1:123456789012:q1"]`, "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q1", Allow},
		{"resource case-sensitive", false, `"s3:*"`, `"arn:aws:s3:::Bucket/*"`, "s3:GetObject", "arn:aws:s3:::bucket/k", NotApplicable},
		{"unicode question mark", false, `"s3:*"`, `"arn:aws:s3:::b/?"`, "s3:GetObject", "arn:aws:s3:::b/é", Allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			actKey := "Action"
			if tc.notAction {
				actKey = "NotAction"
			}
			doc := `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "` + actKey + `": ` + tc.action + `, "Resource": ` + tc.resource + `}}`
			p := mustParse(t, doc, Identity)
			if got := p.Evaluate(&Request{Action: tc.reqAct, Resource: tc.reqRes}); got != tc.want {
				t.Errorf("Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEvaluateNotResource(t *testing.T) {
	doc := `{"Version": "2012-10-17", "Statement": [
	  {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
	  {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::public/*"]}]}`
	runEval(t, doc, Identity, []evalCase{
		{"own folder", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/ann/x", Context: kv("aws:username", "ann")}, Allow},
		{"public", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::public/x", Context: kv("aws:username", "ann")}, Allow},
		{"elsewhere denied", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/bob/x", Context: kv("aws:username", "ann")}, Deny},
		// An unresolvable variable invalidates the NotResource statement.
		{"no username: deny statement invalid", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/bob/x"}, Allow},
	})
}
