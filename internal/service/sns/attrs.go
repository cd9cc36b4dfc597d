package sns

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/auth/policy"
	"github.com/nubo/nubo/internal/platform/arn"
)

// feedbackAttr reports whether name is a delivery-status logging attribute
// (<Protocol>SuccessFeedbackRoleArn and the like); Nubo stores them.
func feedbackAttr(name string) bool {
	for _, p := range []string{"Application", "HTTP", "Lambda", "SQS", "Firehose"} {
		switch name {
		case p + "SuccessFeedbackRoleArn", p + "FailureFeedbackRoleArn", p + "SuccessFeedbackSampleRate":
			return true
		}
	}
	return false
}

// validateTopicAttr checks one topic attribute for a topic (fifo tells its
// kind); creating allows FifoTopic.
func validateTopicAttr(name, value string, fifo, creating bool) error {
	switch name {
	case "DisplayName":
		if len(value) > 100 {
			return invalidParameter("DisplayName")
		}
	case "Policy":
		if _, err := policy.ParseWith([]byte(value), policy.ParseOptions{Kind: policy.Resource}); err != nil {
			return invalidParameter("Policy Error: %v", err)
		}
	case "DeliveryPolicy":
		if value == "" {
			return nil
		}
		if _, err := parseTopicDeliveryPolicy(value); err != nil {
			return invalidParameter("%v", err)
		}
	case "SignatureVersion":
		if value != "1" && value != "2" {
			return invalidParameter("SignatureVersion")
		}
	case "TracingConfig":
		if value != "PassThrough" && value != "Active" {
			return invalidParameter("TracingConfig")
		}
	case "KmsMasterKeyId":
	case "FifoTopic":
		if !creating {
			return invalidParameter("AttributeName")
		}
		if value != "true" && value != "false" {
			return invalidParameter("Attributes Reason: FifoTopic must be true or false")
		}
	case "ContentBasedDeduplication":
		if value != "true" && value != "false" {
			return invalidParameter("Attributes Reason: ContentBasedDeduplication must be true or false")
		}
		if !fifo {
			return invalidParameter("Attributes Reason: Content-based deduplication can only be set for FIFO topics")
		}
	case "FifoThroughputScope":
		if !fifo {
			return invalidParameter("Attributes Reason: FifoThroughputScope can only be set for FIFO topics")
		}
		if value != "Topic" && value != "MessageGroup" {
			return invalidParameter("Attributes Reason: FifoThroughputScope must be Topic or MessageGroup")
		}
	case "ArchivePolicy":
		if !fifo {
			return invalidParameter("Attributes Reason: ArchivePolicy can only be set for FIFO topics")
		}
		if value != "" && !json.Valid([]byte(value)) {
			return invalidParameter("ArchivePolicy")
		}
	default:
		if !feedbackAttr(name) {
			return invalidParameter("AttributeName")
		}
		if strings.HasSuffix(name, "SampleRate") {
			if n, err := strconv.Atoi(value); err != nil || n < 0 || n > 100 {
				return invalidParameter("%s", name)
			}
		}
	}
	return nil
}

// subscription protocols Nubo delivers to.
var deliverable = map[string]bool{
	"sqs": true, "lambda": true, "http": true, "https": true, protoEmail: true, protoEmailJSN: true, "sms": true,
}

// validateSubAttr checks one subscription attribute for a subscription of
// protocol on a topic (fifo tells its kind).
func validateSubAttr(name, value, protocol string, fifo bool) error {
	switch name {
	case "RawMessageDelivery":
		if value != "true" && value != "false" {
			return invalidParameter("Attributes Reason: RawMessageDelivery: Invalid value [%s]. Must be true or false.", value)
		}
		if protocol != "sqs" && protocol != "http" && protocol != "https" && protocol != "firehose" {
			return invalidParameter("Attributes Reason: Delivery protocol [%s] does not support raw message delivery.", protocol)
		}
	case "FilterPolicy":
		if value == "" {
			return nil
		}
		// The policy is compiled against its scope once both are known
		// (checkFilter); here only its syntax is checked.
		var v map[string]any
		if err := json.Unmarshal([]byte(value), &v); err != nil {
			return invalidParameter("FilterPolicy: failed to parse JSON.")
		}
	case "FilterPolicyScope":
		if value != "MessageAttributes" && value != "MessageBody" {
			return invalidParameter("Attributes Reason: FilterPolicyScope: Invalid value [%s]. Please use either MessageBody or MessageAttributes", value)
		}
	case "RedrivePolicy":
		if value == "" {
			return nil
		}
		return validateRedrive(value, fifo)
	case "DeliveryPolicy":
		if protocol != "http" && protocol != "https" {
			return invalidParameter("DeliveryPolicy: Delivery policy can only be set for HTTP/S subscriptions")
		}
		if value == "" {
			return nil
		}
		if _, err := parseSubDeliveryPolicy(value); err != nil {
			return invalidParameter("%v", err)
		}
	case "SubscriptionRoleArn", "ReplayPolicy":
		return invalidParameter("Attributes Reason: Nubo does not support %s (Firehose subscriptions and message replay)", name)
	default:
		return invalidParameter("AttributeName")
	}
	return nil
}

// validateRedrive checks a RedrivePolicy document.
func validateRedrive(doc string, fifo bool) error {
	var rp struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	if err := json.Unmarshal([]byte(doc), &rp); err != nil {
		return invalidParameter("RedrivePolicy: failed to parse JSON.")
	}
	a, err := arn.Parse(rp.DeadLetterTargetArn)
	if err != nil || a.Service != "sqs" || a.Resource == "" {
		return invalidParameter("RedrivePolicy: deadLetterTargetArn is an invalid arn")
	}
	if fifo != strings.HasSuffix(a.Resource, ".fifo") {
		return invalidParameter("RedrivePolicy: must use a %s dead-letter queue for a %s topic subscription",
			kindWord(fifo), kindWord(fifo))
	}
	return nil
}

func kindWord(fifo bool) string {
	if fifo {
		return "FIFO"
	}
	return "standard"
}

// redriveTarget returns the dead-letter queue ARN of a RedrivePolicy.
func redriveTarget(doc string) string {
	var rp struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	if doc == "" || json.Unmarshal([]byte(doc), &rp) != nil {
		return ""
	}
	return rp.DeadLetterTargetArn
}

// defaultTopicPolicy is the policy AWS gives a new topic.
func defaultTopicPolicy(topicARN, account string) string {
	doc := map[string]any{
		"Version": "2008-10-17",
		"Id":      "__default_policy_ID",
		"Statement": []any{map[string]any{
			"Sid":       "__default_statement_ID",
			"Effect":    "Allow",
			"Principal": map[string]string{"AWS": "*"},
			"Action": []string{"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
				"SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"},
			"Resource":  topicARN,
			"Condition": map[string]any{"StringEquals": map[string]string{"AWS:SourceOwner": account}},
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("sns: default policy: %v", err))
	}
	return string(b)
}
