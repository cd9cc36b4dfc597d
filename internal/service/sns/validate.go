package sns

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nubo/nubo/internal/awsapi/snsapi"
)

const (
	maxMessageBytes = 256 * 1024
	maxSubjectLen   = 100
	maxAttrNameLen  = 256
	maxGroupIDLen   = 128
)

var (
	attrNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	fifoIDRE   = regexp.MustCompile("^[!-~]{1,128}$")
)

// convertAttributes validates message attributes and converts them.
func convertAttributes(in map[string]snsapi.MessageAttributeValue) (map[string]AttributeValue, int, error) {
	if len(in) == 0 {
		return nil, 0, nil
	}
	out := make(map[string]AttributeValue, len(in))
	size := 0
	for _, name := range sortedKeys(in) {
		v := in[name]
		if err := validateAttrName(name); err != nil {
			return nil, 0, err
		}
		a := AttributeValue{DataType: deref(v.DataType), StringValue: deref(v.StringValue), BinaryValue: v.BinaryValue}
		if err := validateAttrValue(name, a); err != nil {
			return nil, 0, err
		}
		size += len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
		out[name] = a
	}
	return out, size, nil
}

// validateAttrName checks a message attribute name as SNS does.
func validateAttrName(name string) error {
	lower := strings.ToLower(name)
	switch {
	case name == "" || len(name) > maxAttrNameLen || !attrNameRE.MatchString(name):
		return invalidParameter("MessageAttributes Reason: Message attribute name '%s' contains invalid characters or is too long", name)
	case strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon."):
		return invalidParameter("MessageAttributes Reason: Message attribute name '%s' uses a reserved prefix", name)
	case strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, ".."):
		return invalidParameter("MessageAttributes Reason: Message attribute name '%s' must not start or end with a period or contain successive periods", name)
	}
	return nil
}

// validateAttrValue checks a message attribute's type and value.
func validateAttrValue(name string, a AttributeValue) error {
	base, custom, _ := strings.Cut(a.DataType, ".")
	if a.DataType == "" {
		return invalidParameter("MessageAttributes Reason: The message attribute '%s' must contain non-empty message attribute type.", name)
	}
	if len(a.DataType) > 256 || (strings.Contains(a.DataType, ".") && custom == "") {
		return invalidParameter("MessageAttributes Reason: The message attribute '%s' has an invalid message attribute type.", name)
	}
	switch base {
	case "String", "Number":
		if a.StringValue == "" {
			return invalidParameter("MessageAttributes Reason: The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, base)
		}
	case "Binary":
		if len(a.BinaryValue) == 0 {
			return invalidParameter("MessageAttributes Reason: The message attribute '%s' must contain non-empty message attribute value for message attribute type 'Binary'.", name)
		}
		return nil
	default:
		return invalidParameter("MessageAttributes Reason: The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
	}
	if base == "Number" {
		if _, err := strconv.ParseFloat(a.StringValue, 64); err != nil {
			return invalidParameter("MessageAttributes Reason: The message attribute '%s' with type 'Number' must contain a valid numeric value.", name)
		}
	}
	if a.DataType == "String.Array" {
		var arr []any
		if err := json.Unmarshal([]byte(a.StringValue), &arr); err != nil {
			return invalidParameter("MessageAttributes Reason: The message attribute '%s' with type 'String.Array' must be a JSON array.", name)
		}
		for _, e := range arr {
			switch e.(type) {
			case string, float64, bool, nil:
			default:
				return invalidParameter("MessageAttributes Reason: The message attribute '%s' with type 'String.Array' must contain only strings, numbers, true, false or null.", name)
			}
		}
	}
	return nil
}

// validateSubject checks a Subject: printable ASCII, no line breaks, at most
// 100 characters.
func validateSubject(p *string) error {
	if p == nil {
		return nil
	}
	s := *p
	if s == "" || len(s) > maxSubjectLen || !utf8.ValidString(s) {
		return invalidParameter("Subject")
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return invalidParameter("Subject")
		}
	}
	return nil
}

// parseStructure parses a MessageStructure=json message: a JSON object of
// strings with a "default" entry.
func parseStructure(msg string) (map[string]string, error) {
	var raw map[string]any
	if err := json.Unmarshal([]byte(msg), &raw); err != nil {
		return nil, invalidParameter("Message Structure - JSON message body failed to parse")
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		s, ok := v.(string)
		if !ok {
			return nil, invalidParameter("Message Structure - JSON message body failed to parse")
		}
		out[k] = s
	}
	if _, ok := out["default"]; !ok {
		return nil, invalidParameter("Message Structure - No default entry in JSON message body")
	}
	return out, nil
}
