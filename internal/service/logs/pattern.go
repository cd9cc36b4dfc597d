package logs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Filter patterns (AWS "Filter pattern syntax for metric filters,
// subscription filters, filter log events"). A pattern is one of:
//
//   - empty, or a quoted blank phrase (`" "`): matches every event;
//   - a regular expression between percent signs (`%ERROR [0-9]+%`);
//   - unstructured terms: words and "quoted phrases" that must all occur
//     (case-sensitive, on word boundaries), `?term`s of which at least one
//     must occur, and `-term`s that must not occur;
//   - a JSON pattern `{ $.level = "ERROR" && ($.ms > 100 || $.a[0] IS TRUE) }`;
//   - a space-delimited pattern `[ip, user, ..., status = 4*, bytes > 1000]`.

// maxPatternLen is the model's limit on filterPattern.
const maxPatternLen = 1024

// Pattern is a compiled filter pattern.
type Pattern struct {
	src string
	m   matcher
}

type matcher interface {
	match(msg string) bool
}

// PatternError is a syntax error in a filter pattern.
type PatternError struct {
	Pattern string
	Pos     int
	Msg     string
}

// Error implements error with AWS's "Invalid filter pattern" wording.
func (e *PatternError) Error() string {
	return fmt.Sprintf("Invalid filter pattern: %s (at character %d)", e.Msg, e.Pos+1)
}

// ParseFilterPattern compiles a filter pattern.
func ParseFilterPattern(src string) (*Pattern, error) {
	if len(src) > maxPatternLen {
		return nil, &PatternError{Pattern: src, Pos: maxPatternLen, Msg: "pattern is longer than 1024 characters"}
	}
	t := strings.TrimSpace(src)
	lead := len(src) - len(strings.TrimLeft(src, " \t\r\n"))
	var (
		m   matcher
		err error
	)
	switch {
	case t == "":
		m = matchAll{}
	case t[0] == '{':
		m, err = parseJSONPattern(t, lead)
	case t[0] == '[':
		m, err = parseDelimited(t, lead)
	case t[0] == '%' && len(t) > 1 && t[len(t)-1] == '%' && strings.Count(t, "%") == 2:
		var re *regexp.Regexp
		re, err = compileRegex(t[1:len(t)-1], lead+1)
		m = regexMatcher{re}
	default:
		m, err = parseTerms(t, lead)
	}
	if err != nil {
		if pe, ok := err.(*PatternError); ok {
			pe.Pattern = src
		}
		return nil, err
	}
	return &Pattern{src: src, m: m}, nil
}

// Match reports whether the message matches the pattern.
func (p *Pattern) Match(msg string) bool { return p.m.match(msg) }

// String returns the pattern's source.
func (p *Pattern) String() string { return p.src }

// MatchesAll reports whether the pattern matches every message.
func (p *Pattern) MatchesAll() bool { _, ok := p.m.(matchAll); return ok }

type matchAll struct{}

func (matchAll) match(string) bool { return true }

type regexMatcher struct{ re *regexp.Regexp }

func (r regexMatcher) match(msg string) bool { return r.re.MatchString(msg) }

// compileRegex compiles the body of a %regex% with AWS's restrictions: no
// parentheses (sub-patterns) and no multi-byte characters.
func compileRegex(body string, pos int) (*regexp.Regexp, error) {
	if body == "" {
		return nil, &PatternError{Pos: pos, Msg: "empty regular expression"}
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c >= 0x80 {
			return nil, &PatternError{Pos: pos + i, Msg: "multi-byte characters are not supported in regular expressions"}
		}
		if (c == '(' || c == ')') && (i == 0 || body[i-1] != '\\') {
			return nil, &PatternError{Pos: pos + i, Msg: "parentheses are not supported in regular expressions"}
		}
	}
	re, err := regexp.Compile(body)
	if err != nil {
		return nil, &PatternError{Pos: pos, Msg: "invalid regular expression"}
	}
	return re, nil
}

// termSet is an unstructured pattern.
type termSet struct {
	all, any, none []string
}

// parseTerms parses unstructured terms.
func parseTerms(t string, base int) (matcher, error) {
	var ts termSet
	for i := 0; i < len(t); {
		if isSpace(t[i]) {
			i++
			continue
		}
		start := i
		kind := byte(0)
		if t[i] == '?' || t[i] == '-' {
			kind = t[i]
			i++
		}
		var term string
		if i < len(t) && t[i] == '"' {
			s, n, err := readQuoted(t, i, base)
			if err != nil {
				return nil, err
			}
			term, i = s, n
			if i < len(t) && !isSpace(t[i]) {
				return nil, &PatternError{Pos: base + i, Msg: "a quoted term must be followed by a space"}
			}
		} else {
			j := i
			for j < len(t) && !isSpace(t[j]) {
				if t[j] == '"' {
					return nil, &PatternError{Pos: base + j, Msg: "unexpected '\"' inside a term"}
				}
				j++
			}
			term, i = t[i:j], j
			if term == "" {
				return nil, &PatternError{Pos: base + start, Msg: "empty term"}
			}
		}
		switch kind {
		case '?':
			ts.any = append(ts.any, term)
		case '-':
			ts.none = append(ts.none, term)
		default:
			ts.all = append(ts.all, term)
		}
	}
	return ts, nil
}

func (ts termSet) match(msg string) bool {
	for _, t := range ts.all {
		if !containsTerm(msg, t) {
			return false
		}
	}
	for _, t := range ts.none {
		if strings.TrimSpace(t) != "" && containsTerm(msg, t) {
			return false
		}
	}
	if len(ts.any) == 0 {
		return true
	}
	for _, t := range ts.any {
		if containsTerm(msg, t) {
			return true
		}
	}
	return false
}

// containsTerm reports whether term occurs in msg on word boundaries: a term
// that starts (ends) with a letter, digit or underscore must not be preceded
// (followed) by one. A blank term occurs everywhere.
func containsTerm(msg, term string) bool {
	if strings.TrimSpace(term) == "" {
		return true
	}
	for i := 0; i <= len(msg)-len(term); {
		j := strings.Index(msg[i:], term)
		if j < 0 {
			return false
		}
		st, en := i+j, i+j+len(term)
		if (st == 0 || !isWordChar(msg[st-1]) || !isWordChar(term[0])) &&
			(en == len(msg) || !isWordChar(msg[en]) || !isWordChar(term[len(term)-1])) {
			return true
		}
		i = st + 1
	}
	return false
}

func isWordChar(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// readQuoted reads a double-quoted string starting at t[i] == '"', with
// backslash escapes, and returns it and the index after the closing quote.
func readQuoted(t string, i, base int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(t); j++ {
		switch t[j] {
		case '\\':
			if j+1 < len(t) {
				j++
				b.WriteByte(t[j])
				continue
			}
		case '"':
			return b.String(), j + 1, nil
		}
		b.WriteByte(t[j])
	}
	return "", 0, &PatternError{Pos: base + i, Msg: "unterminated quoted string"}
}

// value is the right-hand side of a comparison.
type value struct {
	text    string // string or bare word (may hold * wildcards)
	num     float64
	numeric bool
	re      *regexp.Regexp
}

// parseValueToken classifies a bare word, quoted string or regex.
func makeValue(text string, quoted bool, re *regexp.Regexp) value {
	if re != nil {
		return value{re: re}
	}
	if !quoted && !strings.Contains(text, "*") {
		if f, err := strconv.ParseFloat(text, 64); err == nil {
			return value{text: text, num: f, numeric: true}
		}
	}
	return value{text: text}
}

// compareOp is a comparison operator.
type compareOp string

const (
	opEq compareOp = "="
	opNe compareOp = "!="
	opLt compareOp = "<"
	opLe compareOp = "<="
	opGt compareOp = ">"
	opGe compareOp = ">="
)

// readOp reads a comparison operator at t[i].
func readOp(t string, i int) (compareOp, int) {
	for _, op := range []compareOp{opNe, opLe, opGe, opEq, opLt, opGt} {
		if strings.HasPrefix(t[i:], string(op)) {
			return op, i + len(op)
		}
	}
	return "", i
}

// compareText compares a field given as text (numeric when isNum).
func compareText(field string, fieldNum float64, isNum bool, op compareOp, v value) bool {
	switch {
	case v.re != nil:
		m := v.re.MatchString(field)
		return (op == opEq && m) || (op == opNe && !m)
	case op != opEq && op != opNe:
		return isNum && v.numeric && compareNum(fieldNum, op, v.num)
	case v.numeric && isNum:
		return compareNum(fieldNum, op, v.num)
	}
	eq := globMatch(v.text, field)
	return eq == (op == opEq)
}

func compareNum(a float64, op compareOp, b float64) bool {
	switch op {
	case opEq:
		return a == b
	case opNe:
		return a != b
	case opLt:
		return a < b
	case opLe:
		return a <= b
	case opGt:
		return a > b
	default:
		return a >= b
	}
}

// globMatch matches s against a pattern where * stands for any run of
// characters.
func globMatch(pattern, s string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == s
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		k := strings.Index(s, p)
		if k < 0 {
			return false
		}
		s = s[k+len(p):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}
