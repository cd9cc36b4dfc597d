package sqs

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/sqsapi"
)

// Limits from the SQS developer guide.
const (
	maxMessageSizeLimit = 1 << 20 // 1 MiB: message and batch payloads
	maxAttributes       = 10
	maxBatchEntries     = 10
	maxAttrNameLen      = 256
	maxDataTypeLen      = 256
)

var (
	queueNameRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	batchIDRE     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	attrNameRE    = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	dataTypeRE    = regexp.MustCompile(`^(String|Number|Binary)(\.[^\x00-\x1f]+)?$`)
	numberRE      = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)
	dedupIDRE     = regexp.MustCompile(`^[!-~]{1,128}$`) // alphanumeric and punctuation
	attemptIDRE   = dedupIDRE
	errInvalidArg = "InvalidParameterValue"
)

// invalidParameter returns AWS's InvalidParameterValue error.
func invalidParameter(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(errInvalidArg, http.StatusBadRequest, format, args...)
}

// missingParameter returns AWS's MissingParameter error for name.
func missingParameter(name string) *awsapi.Error {
	return awsapi.Errorf("MissingParameter", http.StatusBadRequest, "The request must contain the parameter %s.", name)
}

// validChars reports whether s holds only the characters SQS accepts in
// message bodies and attribute values: #x9 | #xA | #xD | #x20-#xD7FF |
// #xE000-#xFFFD | #x10000-#x10FFFF. Invalid UTF-8 is rejected.
func validChars(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != 0x9 && c != 0xA && c != 0xD {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if (r >= 0xD800 && r <= 0xDFFF) || r == 0xFFFE || r == 0xFFFF || r > 0x10FFFF {
			return false
		}
		i += n
	}
	return true
}

// validateBody checks a message body's characters; the size is checked with
// the attributes by messageSize.
func validateBody(body *string) *awsapi.Error {
	if body == nil || *body == "" {
		return missingParameter("MessageBody")
	}
	if !validChars(*body) {
		return awsapi.Errorf("InvalidMessageContents", http.StatusBadRequest,
			"Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
	}
	return nil
}

// validateAttributes checks message attributes as AWS does and returns their
// size in bytes (names, data types and values).
func validateAttributes(attrs map[string]sqsapi.MessageAttributeValue) (int, *awsapi.Error) {
	if len(attrs) > maxAttributes {
		return 0, invalidParameter("Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), maxAttributes)
	}
	size := 0
	for _, name := range sortedNames(attrs) {
		v := attrs[name]
		if err := validateAttrName(name); err != nil {
			return 0, err
		}
		typ := deref(v.DataType)
		if typ == "" {
			return 0, invalidParameter("The message attribute '%s' must contain non-empty message attribute type.", name)
		}
		if len(typ) > maxDataTypeLen || !dataTypeRE.MatchString(typ) {
			return 0, invalidParameter("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
		if len(v.StringListValues) > 0 || len(v.BinaryListValues) > 0 {
			return 0, invalidParameter("Message attribute list values in SendMessage operation are not supported.")
		}
		n, err := validateAttrValue(name, typ, v)
		if err != nil {
			return 0, err
		}
		size += len(name) + len(typ) + n
	}
	return size, nil
}

func validateAttrName(name string) *awsapi.Error {
	lower := strings.ToLower(name)
	switch {
	case name == "" || len(name) > maxAttrNameLen || !attrNameRE.MatchString(name):
		return invalidParameter("Message (user) attribute name '%s' is invalid. The attribute name can contain only A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters, and must be at most %d characters long.", name, maxAttrNameLen)
	case strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon."):
		return invalidParameter("Message (user) attribute name '%s' is reserved for use by Amazon.", name)
	case strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, ".."):
		return invalidParameter("Message (user) attribute name '%s' is invalid. The attribute name cannot start or end with a period (.), or have consecutive periods.", name)
	}
	return nil
}

func validateAttrValue(name, typ string, v sqsapi.MessageAttributeValue) (int, *awsapi.Error) {
	base := baseType(typ)
	if base == "Binary" {
		if len(v.BinaryValue) == 0 {
			return 0, invalidParameter("Message (user) attribute '%s' must contain a non-empty value of type 'Binary'.", name)
		}
		return len(v.BinaryValue), nil
	}
	s := deref(v.StringValue)
	if s == "" {
		return 0, invalidParameter("Message (user) attribute '%s' must contain a non-empty value of type '%s'.", name, base)
	}
	if !validChars(s) {
		return 0, invalidParameter("Message (user) attribute '%s' contains invalid characters.", name)
	}
	if base == "Number" && !validNumber(s) {
		return 0, invalidParameter("Could not cast message attribute '%s' value to number.", name)
	}
	return len(s), nil
}

// validNumber reports whether s is a number SQS accepts: up to 38 digits of
// precision, between 10^-128 and 10^+126.
func validNumber(s string) bool {
	if !numberRE.MatchString(s) {
		return false
	}
	mant := s
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		if _, err := fmt.Sscan(s[i+1:], &exp); err != nil || exp > 1000 || exp < -1000 {
			return false
		}
	}
	digits := strings.TrimLeft(strings.NewReplacer("+", "", "-", "", ".", "").Replace(mant), "0")
	if len(strings.TrimRight(digits, "0")) > 38 {
		return false
	}
	if digits == "" {
		return true // zero
	}
	intPart := strings.TrimLeft(strings.Trim(strings.SplitN(mant, ".", 2)[0], "+-"), "0")
	magnitude := len(intPart) + exp // decimal exponent of the leading digit + 1
	if intPart == "" {
		frac := ""
		if i := strings.IndexByte(mant, '.'); i >= 0 {
			frac = mant[i+1:]
		}
		magnitude = exp - (len(frac) - len(strings.TrimLeft(frac, "0")))
	}
	return magnitude <= 127 && magnitude >= -127
}

// validateTraceHeader checks the MessageSystemAttributes of a send and
// returns the AWSTraceHeader value.
func validateSystemAttributes(sys map[string]sqsapi.MessageSystemAttributeValue) (string, *awsapi.Error) {
	trace := ""
	for name, v := range sys {
		if name != "AWSTraceHeader" {
			return "", invalidParameter("Message system attribute name '%s' is invalid.", name)
		}
		if deref(v.DataType) != "String" {
			return "", invalidParameter("The message system attribute 'AWSTraceHeader' must be of type 'String'.")
		}
		trace = deref(v.StringValue)
		if trace == "" || !validChars(trace) {
			return "", invalidParameter("Message system attribute 'AWSTraceHeader' must contain a non-empty, valid value.")
		}
	}
	return trace, nil
}
