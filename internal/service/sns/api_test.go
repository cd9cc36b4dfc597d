package sns

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/awsapi/snsapi"
)

func TestCreateTopic(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.topic("orders", map[string]string{"DisplayName": "Orders"})
	if a != "arn:aws:sns:us-east-1:000000000000:orders" {
		t.Fatalf("arn = %s", a)
	}
	cases := []struct {
		name  string
		in    *snsapi.CreateTopicInput
		code  string
		match string
	}{
		{"idempotent", &snsapi.CreateTopicInput{Name: ptr("orders"), Attributes: map[string]string{"DisplayName": "Orders"}}, "", ""},
		{"different attributes", &snsapi.CreateTopicInput{Name: ptr("orders"), Attributes: map[string]string{"DisplayName": "X"}}, "InvalidParameterException", "different attributes"},
		{"bad name", &snsapi.CreateTopicInput{Name: ptr("bad name")}, "InvalidParameterException", "Topic Name"},
		{"empty name", &snsapi.CreateTopicInput{Name: ptr("")}, "InvalidParameterException", "Topic Name"},
		{"fifo suffix without attribute", &snsapi.CreateTopicInput{Name: ptr("a.fifo")}, "InvalidParameterException", "Topic Name"},
		{"fifo attribute without suffix", &snsapi.CreateTopicInput{Name: ptr("a"), Attributes: map[string]string{"FifoTopic": "true"}}, "InvalidParameterException", "must end with .fifo"},
		{"cbd on standard", &snsapi.CreateTopicInput{Name: ptr("b"), Attributes: map[string]string{"ContentBasedDeduplication": "true"}}, "InvalidParameterException", "FIFO"},
		{"unknown attribute", &snsapi.CreateTopicInput{Name: ptr("c"), Attributes: map[string]string{"Nope": "1"}}, "InvalidParameterException", "AttributeName"},
		{"bad policy", &snsapi.CreateTopicInput{Name: ptr("d"), Attributes: map[string]string{"Policy": "{"}}, "InvalidParameterException", "Policy"},
		{"fifo", &snsapi.CreateTopicInput{Name: ptr("e.fifo"), Attributes: map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"}}, "", ""},
		{"tags", &snsapi.CreateTopicInput{Name: ptr("f"), Tags: []snsapi.Tag{{Key: ptr("k"), Value: ptr("v")}}}, "", ""},
		{"different tags", &snsapi.CreateTopicInput{Name: ptr("f"), Tags: []snsapi.Tag{{Key: ptr("k"), Value: ptr("w")}}}, "InvalidParameterException", "different tags"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.call("CreateTopic", tc.in)
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.match) {
				t.Fatalf("err = %v, want %q", err, tc.match)
			}
		})
	}
}

func TestTopicAttributes(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.topic("t", nil)
	out := e.must("GetTopicAttributes", &snsapi.GetTopicAttributesInput{TopicArn: &a}).(*snsapi.GetTopicAttributesOutput)
	for _, k := range []string{"TopicArn", "Owner", "Policy", "DisplayName", "SubscriptionsConfirmed", "SubscriptionsPending",
		"SubscriptionsDeleted", "EffectiveDeliveryPolicy"} {
		if _, ok := out.Attributes[k]; !ok {
			t.Errorf("missing attribute %s", k)
		}
	}
	var pol map[string]any
	if err := json.Unmarshal([]byte(out.Attributes["Policy"]), &pol); err != nil || pol["Id"] != "__default_policy_ID" {
		t.Fatalf("default policy = %s", out.Attributes["Policy"])
	}
	if !strings.Contains(out.Attributes["EffectiveDeliveryPolicy"], `"numRetries":3`) {
		t.Fatalf("effective delivery policy = %s", out.Attributes["EffectiveDeliveryPolicy"])
	}
	e.must("SetTopicAttributes", &snsapi.SetTopicAttributesInput{TopicArn: &a, AttributeName: ptr("DisplayName"), AttributeValue: ptr("Hi")})
	_, err := e.call("SetTopicAttributes", &snsapi.SetTopicAttributesInput{TopicArn: &a, AttributeName: ptr("FifoTopic"), AttributeValue: ptr("true")})
	wantCode(t, err, "InvalidParameterException")
	_, err = e.call("SetTopicAttributes", &snsapi.SetTopicAttributesInput{TopicArn: &a, AttributeName: ptr("DeliveryPolicy"),
		AttributeValue: ptr(`{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":50,"maxDelayTarget":10,"numRetries":3}}}`)})
	wantCode(t, err, "InvalidParameterException")
	e.subscribe(a, "sqs", "arn:aws:sqs:us-east-1:000000000000:q", nil)
	out = e.must("GetTopicAttributes", &snsapi.GetTopicAttributesInput{TopicArn: &a}).(*snsapi.GetTopicAttributesOutput)
	if out.Attributes["DisplayName"] != "Hi" || out.Attributes["SubscriptionsConfirmed"] != "1" {
		t.Fatalf("attributes = %v", out.Attributes)
	}
	_, err = e.call("GetTopicAttributes", &snsapi.GetTopicAttributesInput{TopicArn: ptr("arn:aws:sns:us-east-1:000000000000:nope")})
	wantCode(t, err, "NotFoundException")
}

func TestListTopicsPaging(t *testing.T) {
	e := newEnv(t, Config{})
	for i := range 120 {
		e.topic("t"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("0", i/26), nil)
	}
	seen := map[string]bool{}
	var tok *string
	pages := 0
	for {
		out := e.must("ListTopics", &snsapi.ListTopicsInput{NextToken: tok}).(*snsapi.ListTopicsOutput)
		pages++
		for _, tp := range out.Topics {
			if seen[*tp.TopicArn] {
				t.Fatalf("duplicate %s", *tp.TopicArn)
			}
			seen[*tp.TopicArn] = true
		}
		if out.NextToken == nil {
			break
		}
		tok = out.NextToken
	}
	if pages != 2 || len(seen) != 120 {
		t.Fatalf("pages=%d topics=%d", pages, len(seen))
	}
	_, err := e.call("ListTopics", &snsapi.ListTopicsInput{NextToken: ptr("garbage!")})
	wantCode(t, err, "InvalidParameterException")
}

func TestTags(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.topic("t", nil)
	e.must("TagResource", &snsapi.TagResourceInput{ResourceArn: &a, Tags: []snsapi.Tag{{Key: ptr("a"), Value: ptr("1")}, {Key: ptr("b"), Value: ptr("2")}}})
	e.must("UntagResource", &snsapi.UntagResourceInput{ResourceArn: &a, TagKeys: []string{"a"}})
	out := e.must("ListTagsForResource", &snsapi.ListTagsForResourceInput{ResourceArn: &a}).(*snsapi.ListTagsForResourceOutput)
	if len(out.Tags) != 1 || *out.Tags[0].Key != "b" {
		t.Fatalf("tags = %+v", out.Tags)
	}
	_, err := e.call("ListTagsForResource", &snsapi.ListTagsForResourceInput{ResourceArn: ptr("arn:aws:sns:us-east-1:000000000000:x")})
	wantCode(t, err, "ResourceNotFoundException")
}

func TestSubscribeValidation(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.topic("t", nil)
	f := e.topic("f.fifo", map[string]string{"FifoTopic": "true"})
	cases := []struct {
		name, topic, protocol, endpoint string
		attrs                           map[string]string
		code, match                     string
	}{
		{"sqs ok", a, "sqs", "arn:aws:sqs:us-east-1:000000000000:q", nil, "", ""},
		{"lambda ok", a, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:f", nil, "", ""},
		{"bad sqs arn", a, "sqs", "not-an-arn", nil, "InvalidParameterException", "SQS endpoint ARN"},
		{"bad lambda arn", a, "lambda", "arn:aws:sqs:us-east-1:000000000000:q", nil, "InvalidParameterException", "Lambda endpoint ARN"},
		{"http mismatch", a, "http", "https://example.com", nil, "InvalidParameterException", "match the specified protocol"},
		{"bad email", a, "email", "nope", nil, "InvalidParameterException", "Email address"},
		{"bad sms", a, "sms", "abc", nil, "InvalidParameterException", "SMS"},
		{"unknown protocol", a, "carrier-pigeon", "x", nil, "InvalidParameterException", "does not support this protocol"},
		{"application unsupported", a, "application", "arn:aws:sns:us-east-1:000000000000:endpoint/APNS/a/b", nil, "InvalidParameterException", "does not support application"},
		{"raw on lambda", a, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:g", map[string]string{"RawMessageDelivery": "true"}, "InvalidParameterException", "raw message delivery"},
		{"bad filter", a, "sqs", "arn:aws:sqs:us-east-1:000000000000:q2", map[string]string{"FilterPolicy": `{"a":"b"}`}, "InvalidParameterException", "FilterPolicy"},
		{"nested filter needs body scope", a, "sqs", "arn:aws:sqs:us-east-1:000000000000:q3", map[string]string{"FilterPolicy": `{"a":{"b":["c"]}}`}, "InvalidParameterException", "FilterPolicy"},
		{"nested filter body scope", a, "sqs", "arn:aws:sqs:us-east-1:000000000000:q4", map[string]string{"FilterPolicy": `{"a":{"b":["c"]}}`, "FilterPolicyScope": "MessageBody"}, "", ""},
		{"bad scope", a, "sqs", "arn:aws:sqs:us-east-1:000000000000:q5", map[string]string{"FilterPolicyScope": "Body"}, "InvalidParameterException", "FilterPolicyScope"},
		{"bad redrive", a, "sqs", "arn:aws:sqs:us-east-1:000000000000:q6", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"x"}`}, "InvalidParameterException", "RedrivePolicy"},
		{"fifo lambda", f, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:f", nil, "InvalidParameterException", "FIFO"},
		{"missing topic", "arn:aws:sns:us-east-1:000000000000:none", "sqs", "arn:aws:sqs:us-east-1:000000000000:q", nil, "NotFoundException", "Topic does not exist"},
		{"same endpoint different attrs", a, "sqs", "arn:aws:sqs:us-east-1:000000000000:q", map[string]string{"RawMessageDelivery": "true"}, "InvalidParameterException", "different attributes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.call("Subscribe", &snsapi.SubscribeInput{TopicArn: &tc.topic, Protocol: &tc.protocol,
				Endpoint: &tc.endpoint, Attributes: tc.attrs})
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.match) {
				t.Fatalf("err = %v, want %q", err, tc.match)
			}
		})
	}
}

func TestSubscriptionLifecycle(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.topic("t", nil)
	q := e.subscribe(a, "sqs", "arn:aws:sqs:us-east-1:000000000000:q", map[string]string{"RawMessageDelivery": "true"})
	if again := e.subscribe(a, "sqs", "arn:aws:sqs:us-east-1:000000000000:q", nil); again != q {
		t.Fatalf("resubscribe = %s, want %s", again, q)
	}
	out := e.must("Subscribe", &snsapi.SubscribeInput{TopicArn: &a, Protocol: ptr("email"), Endpoint: ptr("a@example.com")}).(*snsapi.SubscribeOutput)
	if *out.SubscriptionArn != "pending confirmation" {
		t.Fatalf("email subscribe = %s", *out.SubscriptionArn)
	}
	list := e.must("ListSubscriptionsByTopic", &snsapi.ListSubscriptionsByTopicInput{TopicArn: &a}).(*snsapi.ListSubscriptionsByTopicOutput)
	pending := 0
	for _, s := range list.Subscriptions {
		if *s.SubscriptionArn == "PendingConfirmation" {
			pending++
		}
	}
	if len(list.Subscriptions) != 2 || pending != 1 {
		t.Fatalf("subscriptions = %d, pending %d", len(list.Subscriptions), pending)
	}
	attrs := e.must("GetSubscriptionAttributes", &snsapi.GetSubscriptionAttributesInput{SubscriptionArn: &q}).(*snsapi.GetSubscriptionAttributesOutput).Attributes
	if attrs["RawMessageDelivery"] != "true" || attrs["PendingConfirmation"] != "false" || attrs["Protocol"] != "sqs" {
		t.Fatalf("attributes = %v", attrs)
	}
	e.must("SetSubscriptionAttributes", &snsapi.SetSubscriptionAttributesInput{SubscriptionArn: &q,
		AttributeName: ptr("FilterPolicy"), AttributeValue: ptr(`{"k":["v"]}`)})
	attrs = e.must("GetSubscriptionAttributes", &snsapi.GetSubscriptionAttributesInput{SubscriptionArn: &q}).(*snsapi.GetSubscriptionAttributesOutput).Attributes
	if attrs["FilterPolicyScope"] != "MessageAttributes" {
		t.Fatalf("scope = %q", attrs["FilterPolicyScope"])
	}
	_, err := e.call("SetSubscriptionAttributes", &snsapi.SetSubscriptionAttributesInput{SubscriptionArn: &q,
		AttributeName: ptr("FilterPolicy"), AttributeValue: ptr(`{"k":{"n":["v"]}}`)})
	wantCode(t, err, "InvalidParameterException")
	e.must("Unsubscribe", &snsapi.UnsubscribeInput{SubscriptionArn: &q})
	_, err = e.call("GetSubscriptionAttributes", &snsapi.GetSubscriptionAttributesInput{SubscriptionArn: &q})
	wantCode(t, err, "NotFoundException")
	ta := e.must("GetTopicAttributes", &snsapi.GetTopicAttributesInput{TopicArn: &a}).(*snsapi.GetTopicAttributesOutput).Attributes
	if ta["SubscriptionsDeleted"] != "1" || ta["SubscriptionsPending"] != "1" {
		t.Fatalf("topic attributes = %v", ta)
	}
	e.must("DeleteTopic", &snsapi.DeleteTopicInput{TopicArn: &a})
	all := e.must("ListSubscriptions", &snsapi.ListSubscriptionsInput{}).(*snsapi.ListSubscriptionsOutput)
	if len(all.Subscriptions) != 0 {
		t.Fatalf("subscriptions left after DeleteTopic: %d", len(all.Subscriptions))
	}
}

func TestPublishValidation(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.topic("t", nil)
	f := e.topic("f.fifo", map[string]string{"FifoTopic": "true"})
	big := strings.Repeat("x", 256*1024+1)
	attr := func(typ, v string) map[string]snsapi.MessageAttributeValue {
		return map[string]snsapi.MessageAttributeValue{"k": {DataType: &typ, StringValue: &v}}
	}
	cases := []struct {
		name  string
		in    *snsapi.PublishInput
		code  string
		match string
	}{
		{"ok", &snsapi.PublishInput{TopicArn: &a, Message: ptr("hi")}, "", ""},
		{"target arn", &snsapi.PublishInput{TargetArn: &a, Message: ptr("hi")}, "", ""},
		{"no target", &snsapi.PublishInput{Message: ptr("hi")}, "InvalidParameterException", "TopicArn"},
		{"empty", &snsapi.PublishInput{TopicArn: &a, Message: ptr("")}, "InvalidParameterException", "Empty message"},
		{"too long", &snsapi.PublishInput{TopicArn: &a, Message: &big}, "InvalidParameterException", "Message too long"},
		{"subject too long", &snsapi.PublishInput{TopicArn: &a, Message: ptr("m"), Subject: ptr(strings.Repeat("s", 101))}, "InvalidParameterException", "Subject"},
		{"subject newline", &snsapi.PublishInput{TopicArn: &a, Message: ptr("m"), Subject: ptr("a\nb")}, "InvalidParameterException", "Subject"},
		{"missing topic", &snsapi.PublishInput{TopicArn: ptr("arn:aws:sns:us-east-1:000000000000:x"), Message: ptr("m")}, "NotFoundException", "Topic does not exist"},
		{"structure no default", &snsapi.PublishInput{TopicArn: &a, Message: ptr(`{"sqs":"x"}`), MessageStructure: ptr("json")}, "InvalidParameterException", "No default entry"},
		{"structure not json", &snsapi.PublishInput{TopicArn: &a, Message: ptr(`x`), MessageStructure: ptr("json")}, "InvalidParameterException", "failed to parse"},
		{"structure ok", &snsapi.PublishInput{TopicArn: &a, Message: ptr(`{"default":"d","sqs":"s"}`), MessageStructure: ptr("json")}, "", ""},
		{"attr bad type", &snsapi.PublishInput{TopicArn: &a, Message: ptr("m"), MessageAttributes: attr("Text", "v")}, "InvalidParameterException", "supported type prefixes"},
		{"attr bad number", &snsapi.PublishInput{TopicArn: &a, Message: ptr("m"), MessageAttributes: attr("Number", "abc")}, "InvalidParameterException", "numeric"},
		{"attr bad array", &snsapi.PublishInput{TopicArn: &a, Message: ptr("m"), MessageAttributes: attr("String.Array", "abc")}, "InvalidParameterException", "String.Array"},
		{"attr empty value", &snsapi.PublishInput{TopicArn: &a, Message: ptr("m"), MessageAttributes: attr("String", "")}, "InvalidParameterException", "non-empty"},
		{"attr reserved name", &snsapi.PublishInput{TopicArn: &a, Message: ptr("m"), MessageAttributes: map[string]snsapi.MessageAttributeValue{"AWS.x": {DataType: ptr("String"), StringValue: ptr("v")}}}, "InvalidParameterException", "reserved"},
		{"attr number ok", &snsapi.PublishInput{TopicArn: &a, Message: ptr("m"), MessageAttributes: attr("Number", "1.5e3")}, "", ""},
		{"dedup on standard", &snsapi.PublishInput{TopicArn: &a, Message: ptr("m"), MessageDeduplicationId: ptr("d")}, "InvalidParameterException", "MessageDeduplicationId"},
		{"fifo no group", &snsapi.PublishInput{TopicArn: &f, Message: ptr("m"), MessageDeduplicationId: ptr("d")}, "InvalidParameterException", "MessageGroupId"},
		{"fifo no dedup", &snsapi.PublishInput{TopicArn: &f, Message: ptr("m"), MessageGroupId: ptr("g")}, "InvalidParameterException", "ContentBasedDeduplication"},
		{"sms", &snsapi.PublishInput{PhoneNumber: ptr("+15555550100"), Message: ptr("code 1234")}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.call("Publish", tc.in)
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.match) {
				t.Fatalf("err = %v, want %q", err, tc.match)
			}
		})
	}
}

func TestFIFODeduplication(t *testing.T) {
	e := newEnv(t, Config{})
	f := e.topic("f.fifo", map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"})
	pub := func(msg string) *snsapi.PublishOutput {
		return e.must("Publish", &snsapi.PublishInput{TopicArn: &f, Message: &msg, MessageGroupId: ptr("g")}).(*snsapi.PublishOutput)
	}
	a, b, c := pub("one"), pub("one"), pub("two")
	if *a.MessageId != *b.MessageId || *a.SequenceNumber != *b.SequenceNumber {
		t.Fatalf("duplicate not deduplicated: %s/%s", *a.MessageId, *b.MessageId)
	}
	if *c.MessageId == *a.MessageId || *c.SequenceNumber <= *a.SequenceNumber || len(*c.SequenceNumber) != 20 {
		t.Fatalf("sequence numbers %s then %s", *a.SequenceNumber, *c.SequenceNumber)
	}
	if err := e.clock.Advance(5*60e9 + 1); err != nil {
		t.Fatal(err)
	}
	if d := pub("one"); *d.MessageId == *a.MessageId {
		t.Fatal("deduplicated after the 5-minute window")
	}
}

func TestPublishBatch(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.topic("t", nil)
	entry := func(id, msg string) snsapi.PublishBatchRequestEntry {
		return snsapi.PublishBatchRequestEntry{Id: &id, Message: &msg}
	}
	var eleven []snsapi.PublishBatchRequestEntry
	for i := range 11 {
		eleven = append(eleven, entry(string(rune('a'+i)), "m"))
	}
	cases := []struct {
		name    string
		entries []snsapi.PublishBatchRequestEntry
		code    string
	}{
		{"empty", nil, "EmptyBatchRequestException"},
		{"eleven", eleven, "TooManyEntriesInBatchRequestException"},
		{"duplicate ids", []snsapi.PublishBatchRequestEntry{entry("a", "m"), entry("a", "n")}, "BatchEntryIdsNotDistinctException"},
		{"bad id", []snsapi.PublishBatchRequestEntry{entry("a b", "m")}, "InvalidBatchEntryIdException"},
		{"too long", []snsapi.PublishBatchRequestEntry{entry("a", strings.Repeat("x", 200000)), entry("b", strings.Repeat("x", 100000))}, "BatchRequestTooLongException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.call("PublishBatch", &snsapi.PublishBatchInput{TopicArn: &a, PublishBatchRequestEntries: tc.entries})
			wantCode(t, err, tc.code)
		})
	}
	out := e.must("PublishBatch", &snsapi.PublishBatchInput{TopicArn: &a, PublishBatchRequestEntries: []snsapi.PublishBatchRequestEntry{
		entry("ok", "m"), entry("bad", "")}}).(*snsapi.PublishBatchOutput)
	if len(out.Successful) != 1 || len(out.Failed) != 1 || *out.Failed[0].Code != "InvalidParameter" || !*out.Failed[0].SenderFault {
		t.Fatalf("batch = %+v", out)
	}
	_, err := e.call("PublishBatch", &snsapi.PublishBatchInput{TopicArn: ptr("arn:aws:sns:us-east-1:000000000000:x"),
		PublishBatchRequestEntries: []snsapi.PublishBatchRequestEntry{entry("a", "m")}})
	wantCode(t, err, "NotFoundException")
}
