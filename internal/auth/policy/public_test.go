package policy

import (
	"fmt"
	"testing"
)

func TestIsPublic(t *testing.T) {
	// stmt builds a one-statement bucket policy from its JSON members.
	stmt := func(members string) string {
		return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{%s,"Resource":"arn:aws:s3:::b/*"}]}`, members)
	}
	cases := []struct {
		name string
		doc  string
		want bool
	}{
		{"star principal", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject"`), true},
		{"AWS star", stmt(`"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject"`), true},
		{"AWS star among accounts", stmt(`"Effect":"Allow","Principal":{"AWS":["111122223333","*"]},"Action":"s3:GetObject"`), true},
		{"canonical user star", stmt(`"Effect":"Allow","Principal":{"CanonicalUser":"*"},"Action":"s3:GetObject"`), true},
		{"not principal", stmt(`"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:GetObject"`), true},
		{"deny star", stmt(`"Effect":"Deny","Principal":"*","Action":"s3:GetObject"`), false},
		{"fixed account", stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*"`), false},
		{"service principal", stmt(`"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject"`), false},
		{"source ip range", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`), false},
		{"every address", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","0.0.0.0/0"]}}`), true},
		{"not ip address", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`), true},
		{"fixed source account", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}`), false},
		{"key case", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Condition":{"StringEquals":{"AWS:SOURCEACCOUNT":"111122223333"}}`), false},
		{"fixed source arn", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:us-east-1:111122223333:function:f"}}`), false},
		{"wildcard source arn", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:*"}}`), true},
		{"string like without wildcard", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringLike":{"aws:SourceVpce":"vpce-1a2b3c4d"}}`), false},
		{"userid role pattern", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}}`), true},
		{"policy variable", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringEquals":{"aws:PrincipalAccount":"${aws:username}"}}`), true},
		{"if exists", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"111122223333"}}`), true},
		{"for all values", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"ForAllValues:StringEquals":{"aws:SourceAccount":"111122223333"}}`), true},
		{"other key", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"Bool":{"aws:SecureTransport":"true"}}`), true},
		{"negated fixed key", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}`), true},
		{"one public statement of two", `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"},
			{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustParse(t, tc.doc, Resource).IsPublic(); got != tc.want {
				t.Errorf("IsPublic = %v, want %v\n%s", got, tc.want, tc.doc)
			}
		})
	}
}
