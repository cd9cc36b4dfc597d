package logs

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nubo/nubo/internal/awsapi"
)

// validationError returns the InvalidParameterException AWS answers for a
// member that breaks a model constraint.
func validationError(value, member, constraint string) *awsapi.Error {
	return invalidParameter("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s",
		value, member, constraint)
}

func isGroupNameChar(c byte) bool {
	return c == '.' || c == '-' || c == '_' || c == '/' || c == '#' ||
		(c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
}

// checkGroupName validates a log group name as the model constrains it.
func checkGroupName(name *string, member string) (string, error) {
	if name == nil {
		return "", invalidParameter("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	}
	n := *name
	if len(n) < 1 || len(n) > 512 {
		return "", validationError(n, member, "Member must have length less than or equal to 512")
	}
	for i := 0; i < len(n); i++ {
		if !isGroupNameChar(n[i]) {
			return "", validationError(n, member, `Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+`)
		}
	}
	return n, nil
}

// checkStreamName validates a log stream name.
func checkStreamName(name *string, member string) (string, error) {
	if name == nil {
		return "", invalidParameter("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	}
	n := *name
	if len(n) < 1 || utf8.RuneCountInString(n) > 512 {
		return "", validationError(n, member, "Member must have length between 1 and 512")
	}
	if strings.ContainsAny(n, ":*\x00") {
		return "", validationError(n, member, "Member must satisfy regular expression pattern: [^:*]*")
	}
	return n, nil
}

// checkLimit returns *limit, or def when unset, within [1, max].
func checkLimit(limit *int32, def, max int, member string) (int, error) {
	if limit == nil {
		return def, nil
	}
	if *limit < 1 || int(*limit) > max {
		return 0, validationError(fmt.Sprint(*limit), member,
			fmt.Sprintf("Member must have value between 1 and %d", max))
	}
	return int(*limit), nil
}

// retentionDays lists the valid retentionInDays values.
var retentionDays = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func checkRetention(days *int32) (int32, error) {
	if days == nil {
		return 0, invalidParameter("1 validation error detected: Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null")
	}
	for _, d := range retentionDays {
		if d == *days {
			return d, nil
		}
	}
	set := make([]string, len(retentionDays))
	for i, d := range retentionDays {
		set[i] = fmt.Sprint(d)
	}
	return 0, validationError(fmt.Sprint(*days), "retentionInDays",
		"Member must satisfy enum value set: ["+strings.Join(set, ", ")+"]")
}

// checkTags validates a tag map as AWS limits it (1–50 tags, keys 1–128 and
// values 0–256 characters, no "aws:" prefix).
func checkTags(tags map[string]string, member string) error {
	if len(tags) > 50 {
		return validationError("{...}", member, "Member must have length less than or equal to 50")
	}
	for k, v := range tags {
		if n := utf8.RuneCountInString(k); n < 1 || n > 128 {
			return validationError(k, member+".key", "Member must have length between 1 and 128")
		}
		if utf8.RuneCountInString(v) > 256 {
			return validationError(v, member+".value", "Member must have length less than or equal to 256")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalidParameter("Tag keys cannot start with the reserved prefix 'aws:'.")
		}
	}
	return nil
}

// resolveGroup returns the group name named by logGroupName or
// logGroupIdentifier (a name or an ARN, with or without ":*"); exactly one
// must be given.
func (s *Service) resolveGroup(name, ident *string) (string, error) {
	switch {
	case name != nil && ident != nil:
		return "", invalidParameter("LogGroupName and LogGroupIdentifier are mutually exclusive parameters.")
	case name != nil:
		return checkGroupName(name, "logGroupName")
	case ident != nil:
		return s.groupFromIdentifier(*ident)
	}
	return "", invalidParameter("Either LogGroupName or LogGroupIdentifier must be specified.")
}

// groupFromIdentifier turns a log group name or ARN into a name.
func (s *Service) groupFromIdentifier(id string) (string, error) {
	if strings.HasPrefix(id, "arn:") {
		parts := strings.SplitN(id, ":", 7)
		if len(parts) < 7 || parts[2] != "logs" || parts[5] != "log-group" {
			return "", invalidParameter("Invalid log group ARN: %s", id)
		}
		if parts[3] != s.region || parts[4] != s.account {
			return "", errGroupNotFound()
		}
		id = strings.TrimSuffix(parts[6], ":*")
	}
	return checkGroupName(&id, "logGroupIdentifier")
}
