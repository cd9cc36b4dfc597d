package logs

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// jsonMatcher matches events whose message is a JSON object satisfying expr.
// need lists texts every matching message must contain (property names and
// plain string values the expression requires), checked before decoding.
type jsonMatcher struct {
	e    jexpr
	need []string
}

func (m jsonMatcher) match(msg string) bool {
	t := strings.TrimSpace(msg)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return false
	}
	for _, s := range m.need {
		if !strings.Contains(t, s) {
			return false
		}
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	var root any
	if dec.Decode(&root) != nil || dec.More() {
		return false
	}
	return m.e.eval(root)
}

type jexpr interface{ eval(root any) bool }

type jor struct{ l, r jexpr }

func (e jor) eval(root any) bool { return e.l.eval(root) || e.r.eval(root) }

type jand struct{ l, r jexpr }

func (e jand) eval(root any) bool { return e.l.eval(root) && e.r.eval(root) }

// step is one selector step: a property, an index, or a wildcard.
type step struct {
	name  string
	index int // -1 for a property
	wild  bool
}

// condKind is what a JSON condition tests.
type condKind uint8

const (
	condCompare condKind = iota
	condNull
	condTrue
	condFalse
	condNotExists
)

type jcond struct {
	sel  []step
	kind condKind
	op   compareOp
	v    value
}

func (c jcond) eval(root any) bool {
	vals := resolve(c.sel, root)
	if c.kind == condNotExists {
		return len(vals) == 0
	}
	for _, v := range vals {
		if c.test(v) {
			return true
		}
	}
	return false
}

func (c jcond) test(v any) bool {
	switch c.kind {
	case condNull:
		return v == nil
	case condTrue, condFalse:
		b, ok := v.(bool)
		return ok && b == (c.kind == condTrue)
	}
	switch x := v.(type) {
	case string:
		return compareText(x, 0, false, c.op, c.v)
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return compareText(string(x), f, err == nil, c.op, c.v)
	case bool:
		return compareText(strconv.FormatBool(x), 0, false, c.op, c.v)
	}
	return false
}

// resolve returns the values a selector picks out of root.
func resolve(sel []step, root any) []any {
	cur := []any{root}
	for _, s := range sel {
		var next []any
		for _, v := range cur {
			switch x := v.(type) {
			case map[string]any:
				if s.wild {
					for _, e := range x {
						next = append(next, e)
					}
				} else if s.index < 0 {
					if e, ok := x[s.name]; ok {
						next = append(next, e)
					}
				}
			case []any:
				if s.wild {
					next = append(next, x...)
				} else if s.index >= 0 && s.index < len(x) {
					next = append(next, x[s.index])
				}
			}
		}
		cur = next
	}
	return cur
}

// jparser parses the body of a JSON pattern.
type jparser struct {
	t    string
	i    int
	base int
}

func (p *jparser) fail(msg string) error { return &PatternError{Pos: p.base + p.i, Msg: msg} }

func (p *jparser) skip() {
	for p.i < len(p.t) && isSpace(p.t[p.i]) {
		p.i++
	}
}

func parseJSONPattern(t string, base int) (matcher, error) {
	p := &jparser{t: t, i: 1, base: base}
	e, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.i >= len(p.t) || p.t[p.i] != '}' {
		return nil, p.fail("expected '}'")
	}
	p.i++
	p.skip()
	if p.i != len(p.t) {
		return nil, p.fail("unexpected text after '}'")
	}
	return jsonMatcher{e: e, need: required(e)}, nil
}

// required returns texts that occur verbatim in every JSON message e can
// match: the last property name of each selector and the plain string value
// of each equality, along conjunctions. Only texts JSON encoders never
// escape are used.
func required(e jexpr) []string {
	switch x := e.(type) {
	case jand:
		return append(required(x.l), required(x.r)...)
	case jcond:
		if x.kind == condNotExists {
			return nil
		}
		var out []string
		if n := len(x.sel); n > 0 && !x.sel[n-1].wild && x.sel[n-1].index < 0 && plainText(x.sel[n-1].name) {
			out = append(out, `"`+x.sel[n-1].name+`"`)
		}
		if x.kind == condCompare && x.op == opEq && x.v.re == nil && !x.v.numeric && plainText(x.v.text) {
			out = append(out, x.v.text)
		}
		return out
	}
	return nil
}

// plainText reports whether s is non-empty and made of characters JSON
// encoders write as themselves.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isWordChar(c) && c < 0x80) && !strings.ContainsRune(" .:@-", rune(c)) {
			return false
		}
	}
	return s != ""
}

// maxDepth bounds parenthesis nesting.
const maxDepth = 64

func (p *jparser) parseOr(depth int) (jexpr, error) {
	l, err := p.parseAnd(depth)
	for err == nil {
		p.skip()
		if !strings.HasPrefix(p.t[p.i:], "||") {
			return l, nil
		}
		p.i += 2
		var r jexpr
		if r, err = p.parseAnd(depth); err == nil {
			l = jor{l, r}
		}
	}
	return nil, err
}

func (p *jparser) parseAnd(depth int) (jexpr, error) {
	l, err := p.parseUnary(depth)
	for err == nil {
		p.skip()
		if !strings.HasPrefix(p.t[p.i:], "&&") {
			return l, nil
		}
		p.i += 2
		var r jexpr
		if r, err = p.parseUnary(depth); err == nil {
			l = jand{l, r}
		}
	}
	return nil, err
}

func (p *jparser) parseUnary(depth int) (jexpr, error) {
	p.skip()
	if p.i < len(p.t) && p.t[p.i] == '(' {
		if depth >= maxDepth {
			return nil, p.fail("parentheses nested too deeply")
		}
		p.i++
		e, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		p.skip()
		if p.i >= len(p.t) || p.t[p.i] != ')' {
			return nil, p.fail("expected ')'")
		}
		p.i++
		return e, nil
	}
	return p.parseCond()
}

func (p *jparser) parseCond() (jexpr, error) {
	sel, err := p.parseSelector()
	if err != nil {
		return nil, err
	}
	p.skip()
	switch w := p.peekWord(); w {
	case "IS":
		p.i += 2
		p.skip()
		kinds := map[string]condKind{"NULL": condNull, "TRUE": condTrue, "FALSE": condFalse}
		w2 := p.peekWord()
		k, ok := kinds[w2]
		if !ok {
			return nil, p.fail("expected NULL, TRUE or FALSE after IS")
		}
		p.i += len(w2)
		return jcond{sel: sel, kind: k}, nil
	case "NOT":
		p.i += 3
		p.skip()
		if p.peekWord() != "EXISTS" {
			return nil, p.fail("expected EXISTS after NOT")
		}
		p.i += len("EXISTS")
		return jcond{sel: sel, kind: condNotExists}, nil
	}
	op, n := readOp(p.t, p.i)
	if op == "" {
		return nil, p.fail("expected a comparison operator")
	}
	p.i = n
	p.skip()
	v, err := p.parseValue(")}&|")
	if err != nil {
		return nil, err
	}
	if op != opEq && op != opNe && !v.numeric {
		return nil, p.fail("operator " + string(op) + " needs a numeric value")
	}
	return jcond{sel: sel, kind: condCompare, op: op, v: v}, nil
}

// peekWord returns the run of upper-case letters at the cursor.
func (p *jparser) peekWord() string {
	j := p.i
	for j < len(p.t) && p.t[j] >= 'A' && p.t[j] <= 'Z' {
		j++
	}
	return p.t[p.i:j]
}

// parseSelector parses $, $.a.b, $.a[0], $.a[*], $.*.
func (p *jparser) parseSelector() ([]step, error) {
	if p.i >= len(p.t) || p.t[p.i] != '$' {
		return nil, p.fail("expected a selector starting with '$'")
	}
	p.i++
	var sel []step
	for p.i < len(p.t) {
		switch p.t[p.i] {
		case '.':
			p.i++
			if p.i < len(p.t) && p.t[p.i] == '*' {
				p.i++
				sel = append(sel, step{wild: true, index: -1})
				continue
			}
			j := p.i
			for j < len(p.t) && !strings.ContainsRune(" \t.[]()=!<>&|}", rune(p.t[j])) {
				j++
			}
			if j == p.i {
				return nil, p.fail("expected a property name after '.'")
			}
			sel = append(sel, step{name: p.t[p.i:j], index: -1})
			p.i = j
		case '[':
			j := strings.IndexByte(p.t[p.i:], ']')
			if j < 0 {
				return nil, p.fail("expected ']'")
			}
			inner := p.t[p.i+1 : p.i+j]
			if inner == "*" {
				sel = append(sel, step{wild: true, index: -1})
			} else if n, err := strconv.Atoi(inner); err == nil && n >= 0 {
				sel = append(sel, step{index: n})
			} else {
				return nil, p.fail("array index must be a number or *")
			}
			p.i += j + 1
		default:
			return sel, nil
		}
	}
	return sel, nil
}

// parseValue reads a quoted string, a %regex% or a bare word ending at a
// space or one of stop.
func (p *jparser) parseValue(stop string) (value, error) {
	if p.i >= len(p.t) {
		return value{}, p.fail("expected a value")
	}
	switch p.t[p.i] {
	case '"':
		s, n, err := readQuoted(p.t, p.i, p.base)
		if err != nil {
			return value{}, err
		}
		p.i = n
		return makeValue(s, true, nil), nil
	case '%':
		re, n, err := readRegex(p.t, p.i, p.base)
		if err != nil {
			return value{}, err
		}
		p.i = n
		return makeValue("", false, re), nil
	}
	j := p.i
	for j < len(p.t) && !isSpace(p.t[j]) && !strings.ContainsRune(stop, rune(p.t[j])) {
		j++
	}
	if j == p.i {
		return value{}, p.fail("expected a value")
	}
	w := p.t[p.i:j]
	p.i = j
	return makeValue(w, false, nil), nil
}

// readRegex reads %regex% starting at t[i] == '%'.
func readRegex(t string, i, base int) (*regexp.Regexp, int, error) {
	j := strings.IndexByte(t[i+1:], '%')
	if j < 0 {
		return nil, 0, &PatternError{Pos: base + i, Msg: "unterminated regular expression"}
	}
	re, err := compileRegex(t[i+1:i+1+j], base+i+1)
	if err != nil {
		return nil, 0, err
	}
	return re, i + j + 2, nil
}
