package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Kind says which sort of policy a document is, which decides whether it must
// or must not name principals and resources.
type Kind int

// The policy kinds.
const (
	// AnyKind applies no Principal or Resource requirements; a statement
	// without a Resource element then matches every resource.
	AnyKind Kind = iota
	// Identity policies are attached to users, groups and roles: they must not
	// have Principal or NotPrincipal and must have Resource or NotResource.
	Identity
	// Resource policies (such as S3 bucket policies) must have Principal or
	// NotPrincipal and Resource or NotResource.
	Resource
	// Trust policies (role assume-role policies) must have Principal and must
	// not have Resource, NotResource or NotPrincipal.
	Trust
)

// ParseOptions controls the validation done by ParseWith.
type ParseOptions struct {
	Kind Kind
}

// MalformedError reports an invalid policy document; Reason is worded like the
// messages AWS returns with MalformedPolicyDocument / MalformedPolicy.
type MalformedError struct {
	Reason string
}

// Error returns the reason.
func (e *MalformedError) Error() string { return e.Reason }

func malformed(format string, args ...any) *MalformedError {
	return &MalformedError{Reason: fmt.Sprintf(format, args...)}
}

const syntaxError = "Syntax errors in policy."

// Parse parses and validates a policy document of any kind; see ParseWith.
func Parse(doc []byte) (*Policy, error) {
	return ParseWith(doc, ParseOptions{})
}

// ParseWith parses and validates a policy document. Invalid documents yield a
// *MalformedError.
func ParseWith(doc []byte, opts ParseOptions) (*Policy, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, malformed(syntaxError)
	}
	p := &Policy{doc: slices.Clone(doc)}
	for _, k := range sortedKeys(top) {
		v := top[k]
		var ok bool
		switch k {
		case "Version":
			p.Version, ok = jsonString(v)
			ok = ok && (p.Version == Version2012 || p.Version == Version2008)
			if !ok {
				return nil, malformed("The policy must contain a valid version string")
			}
		case "Id":
			if p.ID, ok = jsonString(v); !ok {
				return nil, malformed(syntaxError)
			}
		case "Statement":
		default:
			return nil, malformed(syntaxError)
		}
	}
	raws, err := statementList(top["Statement"])
	if err != nil {
		return nil, err
	}
	vars := p.Version == Version2012
	for _, raw := range raws {
		s, err := parseStatement(raw, vars, opts.Kind)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

// statementList accepts a single statement object or an array of them.
func statementList(raw json.RawMessage) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, malformed("Missing required field Statement")
	}
	if raw[0] == '{' {
		return []json.RawMessage{raw}, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, malformed(syntaxError)
	}
	if len(list) == 0 {
		return nil, malformed("Missing required field Statement")
	}
	for _, s := range list {
		if s = bytes.TrimSpace(s); len(s) == 0 || s[0] != '{' {
			return nil, malformed(syntaxError)
		}
	}
	return list, nil
}

// isStatementField reports whether k is an element a statement may contain.
func isStatementField(k string) bool {
	switch k {
	case "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
		"Resource", "NotResource", "Condition":
		return true
	}
	return false
}

func parseStatement(raw json.RawMessage, vars bool, kind Kind) (*Statement, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, malformed(syntaxError)
	}
	for k := range m {
		if !isStatementField(k) {
			return nil, malformed(syntaxError)
		}
	}
	s := &Statement{}
	if raw, ok := m["Sid"]; ok {
		if s.Sid, ok = jsonString(raw); !ok {
			return nil, malformed(syntaxError)
		}
	}
	if err := s.parseEffect(m); err != nil {
		return nil, err
	}
	if err := s.parsePrincipal(m, kind); err != nil {
		return nil, err
	}
	if err := s.parseActions(m); err != nil {
		return nil, err
	}
	if err := s.parseResources(m, vars, kind); err != nil {
		return nil, err
	}
	if raw, ok := m["Condition"]; ok {
		conds, err := parseConditionBlock(raw, vars)
		if err != nil {
			return nil, err
		}
		s.conditions = conds
	}
	return s, nil
}

func (s *Statement) parseEffect(m map[string]json.RawMessage) error {
	raw, ok := m["Effect"]
	if !ok {
		return malformed("Missing required field Effect")
	}
	e, ok := jsonString(raw)
	if !ok {
		return malformed(syntaxError)
	}
	if e != string(EffectAllow) && e != string(EffectDeny) {
		return malformed("Invalid effect: %s", e)
	}
	s.Effect = Effect(e)
	return nil
}

func (s *Statement) parsePrincipal(m map[string]json.RawMessage, kind Kind) error {
	raw, hasP := m["Principal"]
	notRaw, hasNot := m["NotPrincipal"]
	switch {
	case hasP && hasNot:
		return malformed(syntaxError)
	case (hasP || hasNot) && kind == Identity:
		return malformed("Policy document should not specify a principal.")
	case hasNot && kind == Trust:
		return malformed("Has prohibited field NotPrincipal")
	case !hasP && !hasNot && (kind == Resource || kind == Trust):
		return malformed("Missing required field Principal")
	case !hasP && !hasNot:
		return nil
	}
	if hasNot {
		raw, s.notPrincipal = notRaw, true
	}
	ps, err := parsePrincipal(raw)
	if err != nil {
		return err
	}
	s.principals = ps
	return nil
}

func (s *Statement) parseActions(m map[string]json.RawMessage) error {
	raw, hasA := m["Action"]
	notRaw, hasNot := m["NotAction"]
	if hasA && hasNot {
		return malformed(syntaxError)
	}
	if hasNot {
		raw, s.notAction = notRaw, true
	}
	if !hasA && !hasNot {
		return malformed("Policy statement must contain actions.")
	}
	vals, err := stringOrList(raw)
	if err != nil {
		return err
	}
	if len(vals) == 0 {
		return malformed("Policy statement must contain actions.")
	}
	for _, a := range vals {
		if a != "*" {
			i := strings.IndexByte(a, ':')
			if i <= 0 || i == len(a)-1 || strings.ContainsAny(a, " \t\n") {
				return malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
			}
		}
		s.actions = append(s.actions, newGlob(a, true))
	}
	return nil
}

func (s *Statement) parseResources(m map[string]json.RawMessage, vars bool, kind Kind) error {
	raw, hasR := m["Resource"]
	notRaw, hasNot := m["NotResource"]
	switch {
	case hasR && hasNot:
		return malformed(syntaxError)
	case hasR && kind == Trust:
		return malformed("Has prohibited field Resource")
	case hasNot && kind == Trust:
		return malformed("Has prohibited field NotResource")
	case !hasR && !hasNot && kind == Identity:
		return malformed("Policy statement must contain resources.")
	case !hasR && !hasNot && kind == Resource:
		return malformed("Missing required field Resource")
	case !hasR && !hasNot:
		return nil
	}
	if hasNot {
		raw, s.notResource = notRaw, true
	}
	vals, err := stringOrList(raw)
	if err != nil {
		return err
	}
	if len(vals) == 0 {
		return malformed("Policy statement must contain resources.")
	}
	for _, r := range vals {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return malformed("Resource %s must be in ARN format or \"*\".", r)
		}
		s.resources = append(s.resources, newTemplate(r, vars))
	}
	s.hasResource = true
	return nil
}

// jsonString decodes a JSON string (null is not a string).
func jsonString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// stringOrList decodes a string or an array of strings.
func stringOrList(raw json.RawMessage) ([]string, error) {
	if s, ok := jsonString(raw); ok {
		return []string{s}, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return nil, malformed(syntaxError)
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := jsonString(e)
		if !ok {
			return nil, malformed(syntaxError)
		}
		out = append(out, s)
	}
	return out, nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
