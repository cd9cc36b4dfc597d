package policy

import (
	"testing"
)

// condCase evaluates a single-statement Allow policy whose Condition block is
// cond against a request context.
type condCase struct {
	name string
	cond string
	ctx  map[string][]string
	want bool
}

func runConditions(t *testing.T, version string, cases []condCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{` + version + `"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": ` + tc.cond + `}}`
			p := mustParse(t, doc, Identity)
			got := p.Evaluate(&Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: tc.ctx}) == Allow
			if got != tc.want {
				t.Errorf("condition %s with %v = %v, want %v", tc.cond, tc.ctx, got, tc.want)
			}
		})
	}
}

func TestStringConditions(t *testing.T) {
	runConditions(t, `"Version": "2012-10-17",`, []condCase{
		{"equals", `{"StringEquals": {"aws:PrincipalTag/job": "admin"}}`, kv("aws:PrincipalTag/job", "admin"), true},
		{"equals case-sensitive value", `{"StringEquals": {"aws:PrincipalTag/job": "admin"}}`, kv("aws:PrincipalTag/job", "Admin"), false},
		{"equals key case-insensitive", `{"StringEquals": {"AWS:principaltag/JOB": "admin"}}`, kv("aws:PrincipalTag/job", "admin"), true},
		{"equals missing key", `{"StringEquals": {"aws:PrincipalTag/job": "admin"}}`, nil, false},
		{"equals values OR'd", `{"StringEquals": {"aws:PrincipalTag/job": ["dev", "admin"]}}`, kv("aws:PrincipalTag/job", "admin"), true},
		{"equals no wildcard", `{"StringEquals": {"s3:prefix": "home/*"}}`, kv("s3:prefix", "home/x"), false},
		{"equals literal star", `{"StringEquals": {"s3:prefix": "home/*"}}`, kv("s3:prefix", "home/*"), true},
		{"not equals different", `{"StringNotEquals": {"aws:PrincipalTag/job": "admin"}}`, kv("aws:PrincipalTag/job", "dev"), true},
		{"not equals same", `{"StringNotEquals": {"aws:PrincipalTag/job": "admin"}}`, kv("aws:PrincipalTag/job", "admin"), false},
		// Documented: a negated operator on a missing key is true.
		{"not equals missing key", `{"StringNotEquals": {"aws:PrincipalTag/job": "admin"}}`, nil, true},
		// Documented NOR: several values mean the request equals none of them.
		{"not equals several none equal", `{"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}`, kv("aws:RequestedRegion", "ap-south-1"), true},
		{"not equals several one equal", `{"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}`, kv("aws:RequestedRegion", "eu-west-1"), false},
		{"equals ignore case", `{"StringEqualsIgnoreCase": {"aws:PrincipalTag/job": "ADMIN"}}`, kv("aws:PrincipalTag/job", "admin"), true},
		{"not equals ignore case", `{"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/job": "ADMIN"}}`, kv("aws:PrincipalTag/job", "Admin"), false},
		{"like star", `{"StringLike": {"s3:prefix": "home/*"}}`, kv("s3:prefix", "home/a/b"), true},
		{"like question", `{"StringLike": {"s3:prefix": "h?me"}}`, kv("s3:prefix", "home"), true},
		{"like case-sensitive", `{"StringLike": {"s3:prefix": "HOME*"}}`, kv("s3:prefix", "home"), false},
		{"like empty value", `{"StringLike": {"s3:prefix": ""}}`, kv("s3:prefix", ""), true},
		{"not like matches", `{"StringNotLike": {"s3:prefix": "home/*"}}`, kv("s3:prefix", "home/x"), false},
		{"not like no match", `{"StringNotLike": {"s3:prefix": "home/*"}}`, kv("s3:prefix", "tmp/x"), true},
		{"not like missing key", `{"StringNotLike": {"s3:prefix": "home/*"}}`, nil, true},
		{"if exists missing", `{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*"]}}`, nil, true},
		{"if exists present match", `{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*"]}}`, kv("ec2:InstanceType", "t2.micro"), true},
		{"if exists present no match", `{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*"]}}`, kv("ec2:InstanceType", "m5.large"), false},
		{"not equals if exists missing", `{"StringNotEqualsIfExists": {"aws:PrincipalTag/job": "admin"}}`, nil, true},
		{"operator name case-insensitive", `{"stringequals": {"aws:username": "ann"}}`, kv("aws:username", "ann"), true},
		{"several keys are AND'd", `{"StringEquals": {"aws:username": "ann", "aws:PrincipalTag/job": "dev"}}`, kv("aws:username", "ann"), false},
		{"several operators are AND'd", `{"StringEquals": {"aws:username": "ann"}, "Bool": {"aws:SecureTransport": true}}`, kv("aws:username", "ann", "aws:SecureTransport", "true"), true},
		{"several operators one fails", `{"StringEquals": {"aws:username": "ann"}, "Bool": {"aws:SecureTransport": true}}`, kv("aws:username", "ann", "aws:SecureTransport", "false"), false},
		{"multivalued request without set op", `{"StringEquals": {"aws:TagKeys": "a"}}`, map[string][]string{"aws:TagKeys": {"b", "a"}}, true},
		{"empty value slice is missing", `{"StringEquals": {"aws:username": ""}}`, map[string][]string{"aws:username": {}}, false},
	})
}

func TestVariableConditions(t *testing.T) {
	runConditions(t, `"Version": "2012-10-17",`, []condCase{
		{"variable", `{"StringEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}}`, kv("aws:PrincipalTag/team", "red", "aws:ResourceTag/team", "red"), true},
		{"variable mismatch", `{"StringEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}}`, kv("aws:PrincipalTag/team", "red", "aws:ResourceTag/team", "blue"), false},
		{"unresolved variable never matches", `{"StringEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}}`, kv("aws:PrincipalTag/team", ""), false},
		{"unresolved among several values", `{"StringEquals": {"aws:PrincipalTag/team": ["${aws:ResourceTag/team}", "red"]}}`, kv("aws:PrincipalTag/team", "red"), true},
		{"unresolved in negated operator invalidates", `{"StringNotEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}}`, kv("aws:PrincipalTag/team", "red"), false},
		{"default value", `{"StringEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team, 'company-wide'}"}}`, kv("aws:PrincipalTag/team", "company-wide"), true},
		{"default not used when present", `{"StringEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team, 'company-wide'}"}}`, kv("aws:PrincipalTag/team", "company-wide", "aws:ResourceTag/team", "red"), false},
		{"default with escaped quote", `{"StringEquals": {"aws:userid": "${aws:username, 'o''brien'}"}}`, kv("aws:userid", "o'brien"), true},
		{"default with brace", `{"StringEquals": {"aws:userid": "x${aws:username, 'a}b'}y"}}`, kv("aws:userid", "xa}by"), true},
		{"malformed default never resolves", `{"StringEquals": {"aws:userid": "${aws:username, anonymous}"}}`, kv("aws:userid", "anonymous", "aws:username", "anonymous"), false},
		{"special star is literal in like", `{"StringLike": {"s3:prefix": "a${*}b"}}`, kv("s3:prefix", "a*b"), true},
		{"special star does not wildcard", `{"StringLike": {"s3:prefix": "a${*}b"}}`, kv("s3:prefix", "axb"), false},
		{"special question literal", `{"StringLike": {"s3:prefix": "a${?}"}}`, kv("s3:prefix", "a?"), true},
		{"special question does not wildcard", `{"StringLike": {"s3:prefix": "a${?}"}}`, kv("s3:prefix", "ab"), false},
		{"special dollar", `{"StringEquals": {"s3:prefix": "${$}{aws:username}"}}`, kv("s3:prefix", "${aws:username}", "aws:username", "x"), true},
		{"variable in like with wildcard", `{"StringLike": {"s3:prefix": "home/${aws:username}/*"}}`, kv("s3:prefix", "home/ann/docs/", "aws:username", "ann"), true},
		{"variable value is literal in like", `{"StringLike": {"s3:prefix": "home/${aws:username}"}}`, kv("s3:prefix", "home/annabel", "aws:username", "ann*"), false},
		{"unterminated variable is literal", `{"StringEquals": {"s3:prefix": "${aws:username"}}`, kv("s3:prefix", "${aws:username"), true},
		{"variable in Bool", `{"Bool": {"aws:SecureTransport": "${aws:ViaAWSService}"}}`, kv("aws:SecureTransport", "true", "aws:ViaAWSService", "TRUE"), true},
		{"variable in ArnLike", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:${aws:username}-*"}}`, kv("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:ann-topic", "aws:username", "ann"), true},
	})
	runConditions(t, ``, []condCase{
		{"no version: variable literal", `{"StringEquals": {"s3:prefix": "${aws:username}"}}`, kv("s3:prefix", "${aws:username}", "aws:username", "ann"), true},
		{"no version: not substituted", `{"StringEquals": {"s3:prefix": "${aws:username}"}}`, kv("s3:prefix", "ann", "aws:username", "ann"), false},
	})
}

func TestNumericDateBoolConditions(t *testing.T) {
	runConditions(t, `"Version": "2012-10-17",`, []condCase{
		{"numeric lte", `{"NumericLessThanEquals": {"s3:max-keys": "10"}}`, kv("s3:max-keys", "10"), true},
		{"numeric lte above", `{"NumericLessThanEquals": {"s3:max-keys": "10"}}`, kv("s3:max-keys", "11"), false},
		{"numeric json number", `{"NumericLessThan": {"s3:max-keys": 10}}`, kv("s3:max-keys", "9.5"), true},
		{"numeric lt equal", `{"NumericLessThan": {"s3:max-keys": 10}}`, kv("s3:max-keys", "10"), false},
		{"numeric gt", `{"NumericGreaterThan": {"s3:max-keys": 10}}`, kv("s3:max-keys", "1e2"), true},
		{"numeric gte", `{"NumericGreaterThanEquals": {"s3:max-keys": "10.0"}}`, kv("s3:max-keys", "10"), true},
		{"numeric equals", `{"NumericEquals": {"s3:max-keys": ["5", "10"]}}`, kv("s3:max-keys", "10"), true},
		{"numeric not equals", `{"NumericNotEquals": {"s3:max-keys": ["5", "10"]}}`, kv("s3:max-keys", "10"), false},
		{"numeric not equals other", `{"NumericNotEquals": {"s3:max-keys": ["5", "10"]}}`, kv("s3:max-keys", "7"), true},
		{"numeric not a number", `{"NumericEquals": {"s3:max-keys": "10"}}`, kv("s3:max-keys", "ten"), false},
		{"numeric missing", `{"NumericEquals": {"s3:max-keys": "10"}}`, nil, false},
		{"numeric if exists missing", `{"NumericEqualsIfExists": {"s3:max-keys": "10"}}`, nil, true},
		{"date equals", `{"DateEquals": {"aws:CurrentTime": "2024-01-02T03:04:05Z"}}`, kv("aws:CurrentTime", "2024-01-02T04:04:05+01:00"), true},
		{"date not equals", `{"DateNotEquals": {"aws:CurrentTime": "2024-01-02T03:04:05Z"}}`, kv("aws:CurrentTime", "2024-01-02T03:04:06Z"), true},
		{"date epoch policy value", `{"DateGreaterThan": {"aws:CurrentTime": 1704164645}}`, kv("aws:CurrentTime", "2024-01-02T03:04:06Z"), true},
		{"date epoch equal not greater", `{"DateGreaterThan": {"aws:CurrentTime": 1704164645}}`, kv("aws:CurrentTime", "2024-01-02T03:04:05Z"), false},
		{"date gte", `{"DateGreaterThanEquals": {"aws:CurrentTime": "2024-01-02"}}`, kv("aws:CurrentTime", "2024-01-02T00:00:00Z"), true},
		{"date lte", `{"DateLessThanEquals": {"aws:CurrentTime": "2024-01"}}`, kv("aws:CurrentTime", "2023-12-31T23:59:59Z"), true},
		{"date minutes only", `{"DateLessThan": {"aws:CurrentTime": "2024-01-02T03:04Z"}}`, kv("aws:CurrentTime", "2024-01-02T03:03:59Z"), true},
		{"bool true", `{"Bool": {"aws:SecureTransport": true}}`, kv("aws:SecureTransport", "true"), true},
		{"bool string", `{"Bool": {"aws:SecureTransport": "true"}}`, kv("aws:SecureTransport", "false"), false},
		{"bool missing", `{"Bool": {"aws:SecureTransport": "false"}}`, nil, false},
		{"binary", `{"BinaryEquals": {"aws:Blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, kv("aws:Blob", "BinaryValueInBase64"), true},
		{"binary mismatch", `{"BinaryEquals": {"aws:Blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, kv("aws:Blob", "other"), false},
		{"ip single address", `{"IpAddress": {"aws:SourceIp": "10.1.2.3"}}`, kv("aws:SourceIp", "10.1.2.3"), true},
		{"ip single address other", `{"IpAddress": {"aws:SourceIp": "10.1.2.3"}}`, kv("aws:SourceIp", "10.1.2.4"), false},
		{"ip unmasked cidr", `{"IpAddress": {"aws:SourceIp": "10.1.2.3/8"}}`, kv("aws:SourceIp", "10.200.0.1"), true},
		{"ip missing", `{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}`, nil, false},
		{"not ip inside", `{"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}`, kv("aws:SourceIp", "10.0.0.1"), false},
		{"null true missing", `{"Null": {"aws:TokenIssueTime": "true"}}`, nil, true},
		{"null true present", `{"Null": {"aws:TokenIssueTime": "true"}}`, kv("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), false},
		{"null false present", `{"Null": {"aws:TokenIssueTime": false}}`, kv("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), true},
		{"null false missing", `{"Null": {"aws:TokenIssueTime": "false"}}`, nil, false},
	})
}

func TestArnConditions(t *testing.T) {
	// The IAM guide's example: StringLike matches across colons, ArnLike does not.
	pattern := `"arn:aws:someservice:*:111122223333:finance/*"`
	value := "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
	runConditions(t, `"Version": "2012-10-17",`, []condCase{
		{"string like crosses colons", `{"StringLike": {"aws:SourceArn": ` + pattern + `}}`, kv("aws:SourceArn", value), true},
		{"arn like is per component", `{"ArnLike": {"aws:SourceArn": ` + pattern + `}}`, kv("aws:SourceArn", value), false},
		{"arn like match", `{"ArnLike": {"aws:SourceArn": ` + pattern + `}}`, kv("aws:SourceArn", "arn:aws:someservice:us-east-2:111122223333:finance/a:b"), true},
		{"arn equals is like", `{"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123456789012:topic"}}`, kv("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic"), true},
		{"arn not like", `{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}`, kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/admin"), false},
		{"arn not equals missing", `{"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}`, nil, true},
		{"arn request not an arn", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}`, kv("aws:SourceArn", "arn:aws:sns"), false},
		{"arn short pattern whole-string", `{"ArnLike": {"aws:SourceArn": "*"}}`, kv("aws:SourceArn", "arn:aws:sns:us-east-1:1:t"), true},
		{"arn empty region", `{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket"}}`, kv("aws:SourceArn", "arn:aws:s3:::bucket"), true},
	})
}
