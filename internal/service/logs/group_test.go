package logs

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/awsapi/logsapi"
)

func TestCreateLogGroup(t *testing.T) {
	f := newFixture(t)
	f.group("/existing")
	tags51 := map[string]string{}
	for i := range 51 {
		tags51[fmt.Sprint("k", i)] = "v"
	}
	cases := []struct {
		name string
		in   logsapi.CreateLogGroupInput
		code string
	}{
		{"plain", logsapi.CreateLogGroupInput{LogGroupName: ptr("/aws/lambda/fn")}, ""},
		{"all chars", logsapi.CreateLogGroupInput{LogGroupName: ptr("a.b-c_d/e#F9")}, ""},
		{"with tags and kms", logsapi.CreateLogGroupInput{LogGroupName: ptr("tagged"), Tags: map[string]string{"env": "dev"},
			KmsKeyId: ptr("arn:aws:kms:us-east-1:123456789012:key/abc")}, ""},
		{"missing name", logsapi.CreateLogGroupInput{}, "InvalidParameterException"},
		{"empty name", logsapi.CreateLogGroupInput{LogGroupName: ptr("")}, "InvalidParameterException"},
		{"bad char", logsapi.CreateLogGroupInput{LogGroupName: ptr("a b")}, "InvalidParameterException"},
		{"too long", logsapi.CreateLogGroupInput{LogGroupName: ptr(strings.Repeat("a", 513))}, "InvalidParameterException"},
		{"aws prefix", logsapi.CreateLogGroupInput{LogGroupName: ptr("aws/mine")}, "InvalidParameterException"},
		{"duplicate", logsapi.CreateLogGroupInput{LogGroupName: ptr("/existing")}, "ResourceAlreadyExistsException"},
		{"too many tags", logsapi.CreateLogGroupInput{LogGroupName: ptr("t51"), Tags: tags51}, "InvalidParameterException"},
		{"bad class", logsapi.CreateLogGroupInput{LogGroupName: ptr("c"), LogGroupClass: ptr("COLD")}, "InvalidParameterException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.call("CreateLogGroup", &tc.in)
			wantCode(t, err, tc.code)
		})
	}
	out := must[logsapi.DescribeLogGroupsOutput](f, "DescribeLogGroups", &logsapi.DescribeLogGroupsInput{LogGroupNamePrefix: ptr("tagged")})
	if len(out.LogGroups) != 1 || deref(out.LogGroups[0].KmsKeyId) == "" {
		t.Fatalf("kmsKeyId not recorded: %+v", out.LogGroups)
	}
	tags := must[logsapi.ListTagsLogGroupOutput](f, "ListTagsLogGroup", &logsapi.ListTagsLogGroupInput{LogGroupName: ptr("tagged")})
	if !reflect.DeepEqual(tags.Tags, map[string]string{"env": "dev"}) {
		t.Fatalf("tags = %v", tags.Tags)
	}
}

func TestDescribeLogGroups(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"/b/two", "/a/one", "/c/Foo", "/aws/lambda/x", "/aws/lambda/y", "GroupFoo"} {
		f.group(n)
	}
	must[logsapi.PutRetentionPolicyOutput](f, "PutRetentionPolicy", &logsapi.PutRetentionPolicyInput{LogGroupName: ptr("/a/one"), RetentionInDays: ptr(int32(7))})
	names := func(out *logsapi.DescribeLogGroupsOutput) []string {
		return messages(out.LogGroups, func(g logsapi.LogGroup) *string { return g.LogGroupName })
	}
	cases := []struct {
		name string
		in   logsapi.DescribeLogGroupsInput
		want []string
		code string
	}{
		{"all sorted", logsapi.DescribeLogGroupsInput{}, []string{"/a/one", "/aws/lambda/x", "/aws/lambda/y", "/b/two", "/c/Foo", "GroupFoo"}, ""},
		{"prefix", logsapi.DescribeLogGroupsInput{LogGroupNamePrefix: ptr("/aws/lambda/")}, []string{"/aws/lambda/x", "/aws/lambda/y"}, ""},
		{"pattern case-sensitive", logsapi.DescribeLogGroupsInput{LogGroupNamePattern: ptr("Foo")}, []string{"/c/Foo", "GroupFoo"}, ""},
		{"pattern no match", logsapi.DescribeLogGroupsInput{LogGroupNamePattern: ptr("foo")}, []string{}, ""},
		{"identifiers", logsapi.DescribeLogGroupsInput{LogGroupIdentifiers: []string{"/b/two", "arn:aws:logs:us-east-1:123456789012:log-group:/a/one:*"}}, []string{"/a/one", "/b/two"}, ""},
		{"prefix and pattern", logsapi.DescribeLogGroupsInput{LogGroupNamePrefix: ptr("/a"), LogGroupNamePattern: ptr("a")}, nil, "InvalidParameterException"},
		{"limit too big", logsapi.DescribeLogGroupsInput{Limit: ptr(int32(51))}, nil, "InvalidParameterException"},
		{"bad token", logsapi.DescribeLogGroupsInput{NextToken: ptr("!!")}, nil, "InvalidParameterException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.call("DescribeLogGroups", &tc.in)
			wantCode(t, err, tc.code)
			if tc.code == "" && !reflect.DeepEqual(names(out.(*logsapi.DescribeLogGroupsOutput)), tc.want) {
				t.Fatalf("groups = %v, want %v", names(out.(*logsapi.DescribeLogGroupsOutput)), tc.want)
			}
		})
	}
	t.Run("pagination", func(t *testing.T) {
		var got []string
		var tok *string
		pages := 0
		for {
			out := must[logsapi.DescribeLogGroupsOutput](f, "DescribeLogGroups", &logsapi.DescribeLogGroupsInput{Limit: ptr(int32(4)), NextToken: tok})
			got = append(got, names(out)...)
			pages++
			if tok = out.NextToken; tok == nil {
				break
			}
		}
		if pages != 2 || len(got) != 6 || got[0] != "/a/one" || got[5] != "GroupFoo" {
			t.Fatalf("pages=%d got=%v", pages, got)
		}
	})
	t.Run("fields", func(t *testing.T) {
		out := must[logsapi.DescribeLogGroupsOutput](f, "DescribeLogGroups", &logsapi.DescribeLogGroupsInput{LogGroupNamePrefix: ptr("/a/one")})
		g := out.LogGroups[0]
		if *g.Arn != "arn:aws:logs:us-east-1:123456789012:log-group:/a/one:*" ||
			*g.LogGroupArn != "arn:aws:logs:us-east-1:123456789012:log-group:/a/one" ||
			deref(g.RetentionInDays) != 7 || *g.StoredBytes != 0 || *g.CreationTime <= 0 || *g.LogGroupClass != "STANDARD" {
			t.Fatalf("group = %+v", g)
		}
	})
}

func TestDeleteLogGroup(t *testing.T) {
	f := newFixture(t)
	f.group("g")
	f.stream("g", "s")
	f.put("g", "s", f.nowMS(), 1, 3, "m%d")
	must[logsapi.DeleteLogGroupOutput](f, "DeleteLogGroup", &logsapi.DeleteLogGroupInput{LogGroupName: ptr("g")})
	_, err := f.call("DeleteLogGroup", &logsapi.DeleteLogGroupInput{LogGroupName: ptr("g")})
	wantCode(t, err, "ResourceNotFoundException")
	// A new group of the same name starts empty.
	f.group("g")
	_, err = f.call("GetLogEvents", &logsapi.GetLogEventsInput{LogGroupName: ptr("g"), LogStreamName: ptr("s")})
	wantCode(t, err, "ResourceNotFoundException")
	f.stream("g", "s")
	out := must[logsapi.GetLogEventsOutput](f, "GetLogEvents", &logsapi.GetLogEventsInput{LogGroupName: ptr("g"), LogStreamName: ptr("s")})
	if len(out.Events) != 0 {
		t.Fatalf("recreated group has events: %v", out.Events)
	}
}

func TestRetentionPolicyValidation(t *testing.T) {
	f := newFixture(t)
	f.group("g")
	cases := []struct {
		name  string
		group string
		days  *int32
		code  string
	}{
		{"valid 1", "g", ptr(int32(1)), ""},
		{"valid 3653", "g", ptr(int32(3653)), ""},
		{"invalid 2", "g", ptr(int32(2)), "InvalidParameterException"},
		{"missing days", "g", nil, "InvalidParameterException"},
		{"no group", "nope", ptr(int32(7)), "ResourceNotFoundException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.call("PutRetentionPolicy", &logsapi.PutRetentionPolicyInput{LogGroupName: ptr(tc.group), RetentionInDays: tc.days})
			wantCode(t, err, tc.code)
		})
	}
	must[logsapi.DeleteRetentionPolicyOutput](f, "DeleteRetentionPolicy", &logsapi.DeleteRetentionPolicyInput{LogGroupName: ptr("g")})
	out := must[logsapi.DescribeLogGroupsOutput](f, "DescribeLogGroups", &logsapi.DescribeLogGroupsInput{})
	if out.LogGroups[0].RetentionInDays != nil {
		t.Fatalf("retention still set: %v", *out.LogGroups[0].RetentionInDays)
	}
}

func TestTags(t *testing.T) {
	f := newFixture(t)
	f.group("g")
	arn := "arn:aws:logs:us-east-1:123456789012:log-group:g"
	must[logsapi.TagLogGroupOutput](f, "TagLogGroup", &logsapi.TagLogGroupInput{LogGroupName: ptr("g"), Tags: map[string]string{"a": "1", "b": "2"}})
	must[logsapi.TagResourceOutput](f, "TagResource", &logsapi.TagResourceInput{ResourceArn: ptr(arn), Tags: map[string]string{"c": "3"}})
	must[logsapi.UntagLogGroupOutput](f, "UntagLogGroup", &logsapi.UntagLogGroupInput{LogGroupName: ptr("g"), Tags: []string{"a"}})
	must[logsapi.UntagResourceOutput](f, "UntagResource", &logsapi.UntagResourceInput{ResourceArn: ptr(arn), TagKeys: []string{"b"}})
	out := must[logsapi.ListTagsForResourceOutput](f, "ListTagsForResource", &logsapi.ListTagsForResourceInput{ResourceArn: ptr(arn)})
	if !reflect.DeepEqual(out.Tags, map[string]string{"c": "3"}) {
		t.Fatalf("tags = %v", out.Tags)
	}
	many := map[string]string{}
	for i := range 50 {
		many[fmt.Sprint("k", i)] = "v"
	}
	cases := []struct {
		name string
		op   string
		in   any
		code string
	}{
		{"too many via TagResource", "TagResource", &logsapi.TagResourceInput{ResourceArn: ptr(arn), Tags: many}, "TooManyTagsException"},
		{"unknown group arn", "ListTagsForResource", &logsapi.ListTagsForResourceInput{ResourceArn: ptr(arn + "x")}, "ResourceNotFoundException"},
		{"not a logs arn", "ListTagsForResource", &logsapi.ListTagsForResourceInput{ResourceArn: ptr("arn:aws:s3:::b")}, "InvalidParameterException"},
		{"unknown group", "TagLogGroup", &logsapi.TagLogGroupInput{LogGroupName: ptr("nope"), Tags: map[string]string{"a": "b"}}, "ResourceNotFoundException"},
		{"reserved prefix", "TagLogGroup", &logsapi.TagLogGroupInput{LogGroupName: ptr("g"), Tags: map[string]string{"aws:x": "b"}}, "InvalidParameterException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.call(tc.op, tc.in)
			wantCode(t, err, tc.code)
		})
	}
}

func TestSubscriptionFilters(t *testing.T) {
	f := newFixture(t)
	f.group("g")
	dest := "arn:aws:lambda:us-east-1:123456789012:function:fn"
	put := func(name, pattern string) error {
		_, err := f.call("PutSubscriptionFilter", &logsapi.PutSubscriptionFilterInput{LogGroupName: ptr("g"),
			FilterName: ptr(name), FilterPattern: ptr(pattern), DestinationArn: ptr(dest)})
		return err
	}
	wantCode(t, put("one", "ERROR"), "")
	wantCode(t, put("two", `{ $.level = "ERROR" }`), "")
	wantCode(t, put("one", "WARN"), "")
	wantCode(t, put("three", ""), "LimitExceededException")
	wantCode(t, put("bad", "{ $.x = "), "InvalidParameterException")
	out := must[logsapi.DescribeSubscriptionFiltersOutput](f, "DescribeSubscriptionFilters", &logsapi.DescribeSubscriptionFiltersInput{LogGroupName: ptr("g")})
	if len(out.SubscriptionFilters) != 2 || *out.SubscriptionFilters[0].FilterPattern != "WARN" ||
		*out.SubscriptionFilters[0].Distribution != "ByLogStream" || *out.SubscriptionFilters[1].DestinationArn != dest {
		t.Fatalf("filters = %+v", out.SubscriptionFilters)
	}
	must[logsapi.DeleteSubscriptionFilterOutput](f, "DeleteSubscriptionFilter", &logsapi.DeleteSubscriptionFilterInput{LogGroupName: ptr("g"), FilterName: ptr("one")})
	_, err := f.call("DeleteSubscriptionFilter", &logsapi.DeleteSubscriptionFilterInput{LogGroupName: ptr("g"), FilterName: ptr("one")})
	wantCode(t, err, "ResourceNotFoundException")
	got, err := f.s.SubscriptionFilters("g")
	if err != nil || len(got) != 1 || got[0].Name != "two" {
		t.Fatalf("SubscriptionFilters = %+v, %v", got, err)
	}
}
