package sqs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/auth/policy"
	"github.com/nubo/nubo/internal/awsapi"
)

// Queue attribute names.
const (
	attrAll                   = "All"
	attrDelaySeconds          = "DelaySeconds"
	attrMaximumMessageSize    = "MaximumMessageSize"
	attrRetention             = "MessageRetentionPeriod"
	attrPolicy                = "Policy"
	attrWaitTime              = "ReceiveMessageWaitTimeSeconds"
	attrVisibilityTimeout     = "VisibilityTimeout"
	attrRedrivePolicy         = "RedrivePolicy"
	attrRedriveAllowPolicy    = "RedriveAllowPolicy"
	attrKmsMasterKeyID        = "KmsMasterKeyId"
	attrKmsReuse              = "KmsDataKeyReusePeriodSeconds"
	attrSqsManagedSse         = "SqsManagedSseEnabled"
	attrFifoQueue             = "FifoQueue"
	attrContentBasedDedup     = "ContentBasedDeduplication"
	attrDeduplicationScope    = "DeduplicationScope"
	attrFifoThroughputLimit   = "FifoThroughputLimit"
	attrApproxMessages        = "ApproximateNumberOfMessages"
	attrApproxNotVisible      = "ApproximateNumberOfMessagesNotVisible"
	attrApproxDelayed         = "ApproximateNumberOfMessagesDelayed"
	attrCreatedTimestamp      = "CreatedTimestamp"
	attrLastModifiedTimestamp = "LastModifiedTimestamp"
	attrQueueArn              = "QueueArn"
)

// Defaults of a new queue's settable attributes.
var standardDefaults = map[string]string{
	attrDelaySeconds:       "0",
	attrMaximumMessageSize: strconv.Itoa(maxMessageSizeLimit),
	attrRetention:          "345600",
	attrWaitTime:           "0",
	attrVisibilityTimeout:  "30",
	attrSqsManagedSse:      "true",
}

var fifoDefaults = map[string]string{
	attrFifoQueue:           "true",
	attrContentBasedDedup:   "false",
	attrDeduplicationScope:  "queue",
	attrFifoThroughputLimit: "perQueue",
}

// readOnlyAttrs are computed by the service and cannot be set.
var readOnlyAttrs = map[string]bool{
	attrApproxMessages: true, attrApproxNotVisible: true, attrApproxDelayed: true,
	attrCreatedTimestamp: true, attrLastModifiedTimestamp: true, attrQueueArn: true,
}

// intRange bounds an integer attribute.
type intRange struct{ min, max int }

var intAttrs = map[string]intRange{
	attrDelaySeconds:       {0, 900},
	attrMaximumMessageSize: {1024, maxMessageSizeLimit},
	attrRetention:          {60, 1209600},
	attrWaitTime:           {0, 20},
	attrVisibilityTimeout:  {0, 43200},
	attrKmsReuse:           {60, 86400},
}

// redrivePolicy is a parsed RedrivePolicy attribute.
type redrivePolicy struct {
	DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	MaxReceiveCount     int    `json:"maxReceiveCount"`
}

// queueConfig is the parsed form of a queue's attributes, for the hot path.
type queueConfig struct {
	delay        time.Duration
	maxSize      int
	retention    time.Duration
	wait         time.Duration
	visibility   time.Duration
	redrive      *redrivePolicy
	contentDedup bool
	groupScope   bool // DeduplicationScope=messageGroup
}

func invalidAttrValue(name string) *awsapi.Error {
	return awsapi.Errorf("InvalidAttributeValue", http.StatusBadRequest, "Invalid value for the parameter %s.", name)
}

func invalidAttrName(name string) *awsapi.Error {
	return awsapi.Errorf("InvalidAttributeName", http.StatusBadRequest, "Unknown Attribute %s.", name)
}

// validateQueueAttributes checks attributes given to CreateQueue or
// SetQueueAttributes of a queue of the given kind and returns them normalised
// (booleans lower-case). JSON-valued attributes are validated and kept as sent.
func validateQueueAttributes(in map[string]string, fifo bool) (map[string]string, *awsapi.Error) {
	out := make(map[string]string, len(in))
	for name, v := range in {
		nv, err := validateQueueAttribute(name, v, fifo)
		if err != nil {
			return nil, err
		}
		out[name] = nv
	}
	return out, nil
}

func validateQueueAttribute(name, v string, fifo bool) (string, *awsapi.Error) {
	if r, ok := intAttrs[name]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < r.min || n > r.max {
			return "", invalidAttrValue(name)
		}
		return strconv.Itoa(n), nil
	}
	switch name {
	case attrPolicy, attrRedriveAllowPolicy:
		return v, validateJSONAttr(name, v)
	case attrRedrivePolicy:
		if v == "" {
			return "", nil
		}
		if _, err := parseRedrivePolicy(v); err != nil {
			return "", err
		}
		return v, nil
	case attrKmsMasterKeyID:
		return v, nil
	case attrSqsManagedSse:
		return parseBoolAttr(name, v)
	case attrFifoQueue:
		b, err := parseBoolAttr(name, v)
		if err != nil || (b == "true") != fifo {
			return "", invalidAttrValue(name)
		}
		return b, nil
	case attrContentBasedDedup, attrDeduplicationScope, attrFifoThroughputLimit:
		if !fifo {
			return "", invalidAttrName(name)
		}
		return validateFifoAttr(name, v)
	}
	if readOnlyAttrs[name] {
		return "", invalidAttrName(name)
	}
	return "", invalidAttrName(name)
}

func validateFifoAttr(name, v string) (string, *awsapi.Error) {
	switch name {
	case attrContentBasedDedup:
		return parseBoolAttr(name, v)
	case attrDeduplicationScope:
		if v != "queue" && v != "messageGroup" {
			return "", invalidAttrValue(name)
		}
	case attrFifoThroughputLimit:
		if v != "perQueue" && v != "perMessageGroupId" {
			return "", invalidAttrValue(name)
		}
	}
	return v, nil
}

func parseBoolAttr(name, v string) (string, *awsapi.Error) {
	switch strings.ToLower(v) {
	case "true":
		return "true", nil
	case "false":
		return "false", nil
	}
	return "", invalidAttrValue(name)
}

// validateJSONAttr checks Policy (a policy document) and RedriveAllowPolicy.
func validateJSONAttr(name, v string) *awsapi.Error {
	if v == "" {
		return nil
	}
	if name == attrPolicy {
		if _, err := policy.ParseWith([]byte(v), policy.ParseOptions{Kind: policy.AnyKind}); err != nil {
			return awsapi.Errorf("InvalidAttributeValue", http.StatusBadRequest, "Invalid value for the parameter Policy. Reason: %v", err)
		}
		return nil
	}
	var rap struct {
		RedrivePermission string   `json:"redrivePermission"`
		SourceQueueArns   []string `json:"sourceQueueArns"`
	}
	if err := json.Unmarshal([]byte(v), &rap); err != nil {
		return invalidAttrValue(name)
	}
	switch rap.RedrivePermission {
	case "allowAll", "denyAll":
		if len(rap.SourceQueueArns) > 0 {
			return invalidAttrValue(name)
		}
	case "byQueue":
		if len(rap.SourceQueueArns) == 0 || len(rap.SourceQueueArns) > 10 {
			return invalidAttrValue(name)
		}
	default:
		return invalidAttrValue(name)
	}
	return nil
}

// parseRedrivePolicy parses a RedrivePolicy; maxReceiveCount may be a number
// or a numeric string, as AWS accepts both.
func parseRedrivePolicy(v string) (*redrivePolicy, *awsapi.Error) {
	var raw struct {
		DeadLetterTargetArn string          `json:"deadLetterTargetArn"`
		MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return nil, awsapi.Errorf("InvalidAttributeValue", http.StatusBadRequest,
			"Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.")
	}
	if raw.DeadLetterTargetArn == "" || len(raw.MaxReceiveCount) == 0 {
		return nil, awsapi.Errorf("InvalidAttributeValue", http.StatusBadRequest,
			"Value %s for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: %s.", v,
			map[bool]string{true: "deadLetterTargetArn", false: "maxReceiveCount"}[raw.DeadLetterTargetArn == ""])
	}
	n, err := strconv.Atoi(strings.Trim(string(raw.MaxReceiveCount), `"`))
	if err != nil || n < 1 || n > 1000 {
		return nil, awsapi.Errorf("InvalidAttributeValue", http.StatusBadRequest,
			"Value %s for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: %s, valid values are from 1 to 1000 both inclusive.",
			v, string(raw.MaxReceiveCount))
	}
	if _, _, _, ok := parseQueueARN(raw.DeadLetterTargetArn); !ok {
		return nil, awsapi.Errorf("InvalidAttributeValue", http.StatusBadRequest,
			"Value %s for parameter RedrivePolicy is invalid. Reason: Invalid value for deadLetterTargetArn.", v)
	}
	return &redrivePolicy{DeadLetterTargetArn: raw.DeadLetterTargetArn, MaxReceiveCount: n}, nil
}

// checkThroughputLimit rejects FifoThroughputLimit=perMessageGroupId with a
// queue-wide DeduplicationScope (attrs are effective attributes).
func checkThroughputLimit(eff map[string]string) *awsapi.Error {
	if eff[attrFifoThroughputLimit] == "perMessageGroupId" && eff[attrDeduplicationScope] == "queue" {
		return invalidAttrValue(attrFifoThroughputLimit)
	}
	return nil
}

// configFrom parses a queue's (already validated) attributes.
func configFrom(attrs map[string]string) queueConfig {
	num := func(name string) int {
		n, err := strconv.Atoi(attrs[name])
		if err != nil {
			n, _ = strconv.Atoi(standardDefaults[name])
		}
		return n
	}
	c := queueConfig{
		delay:        time.Duration(num(attrDelaySeconds)) * time.Second,
		maxSize:      num(attrMaximumMessageSize),
		retention:    time.Duration(num(attrRetention)) * time.Second,
		wait:         time.Duration(num(attrWaitTime)) * time.Second,
		visibility:   time.Duration(num(attrVisibilityTimeout)) * time.Second,
		contentDedup: attrs[attrContentBasedDedup] == "true",
		groupScope:   attrs[attrDeduplicationScope] == "messageGroup",
	}
	if v := attrs[attrRedrivePolicy]; v != "" {
		c.redrive, _ = parseRedrivePolicy(v)
	}
	return c
}

// knownAttribute reports whether name is a queue attribute GetQueueAttributes
// accepts for a queue of the given kind.
func knownAttribute(name string, fifo bool) bool {
	if _, ok := intAttrs[name]; ok || readOnlyAttrs[name] {
		return true
	}
	switch name {
	case attrAll, attrPolicy, attrRedrivePolicy, attrRedriveAllowPolicy, attrKmsMasterKeyID, attrSqsManagedSse:
		return true
	case attrFifoQueue, attrContentBasedDedup, attrDeduplicationScope, attrFifoThroughputLimit:
		return fifo
	}
	return false
}

func fmtMillis(ms int64) string { return strconv.FormatInt(ms, 10) }

func fmtSeconds(t int64) string { return fmt.Sprint(t) }
