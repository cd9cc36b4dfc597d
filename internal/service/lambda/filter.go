package lambda

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
)

// filterPattern is a compiled EventBridge-style event pattern as event
// source mappings use them in FilterCriteria: a JSON object whose leaves are
// arrays of matchers (literals or operator objects) and whose inner objects
// match nested fields; "$or" takes a list of alternative patterns.
type filterPattern struct {
	fields map[string]fieldPattern
	or     [][]filterPattern
}

// fieldPattern is either a nested pattern or a list of matchers.
type fieldPattern struct {
	nested   *filterPattern
	matchers []matcher
}

// matcher tests one value (nil when the field is absent: present is false).
type matcher func(v any, present bool) bool

var errPattern = errors.New("invalid filter pattern")

// parseFilterPattern compiles a pattern document.
func parseFilterPattern(doc string) (*filterPattern, error) {
	var raw any
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", errPattern, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", errPattern)
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: not a JSON object", errPattern)
	}
	return compileObject(obj, 0)
}

func compileObject(obj map[string]any, depth int) (*filterPattern, error) {
	if depth > 32 {
		return nil, fmt.Errorf("%w: nested too deeply", errPattern)
	}
	p := &filterPattern{fields: map[string]fieldPattern{}}
	for k, v := range obj {
		if k == "$or" {
			alts, err := compileOr(v, depth)
			if err != nil {
				return nil, err
			}
			p.or = append(p.or, alts)
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			n, err := compileObject(x, depth+1)
			if err != nil {
				return nil, err
			}
			p.fields[k] = fieldPattern{nested: n}
		case []any:
			if len(x) == 0 {
				return nil, fmt.Errorf("%w: empty array at %q", errPattern, k)
			}
			ms := make([]matcher, 0, len(x))
			for _, el := range x {
				m, err := compileMatcher(el)
				if err != nil {
					return nil, fmt.Errorf("%w at %q", err, k)
				}
				ms = append(ms, m)
			}
			p.fields[k] = fieldPattern{matchers: ms}
		default:
			return nil, fmt.Errorf("%w: %q must be an array or an object", errPattern, k)
		}
	}
	if len(p.fields) == 0 && len(p.or) == 0 && depth > 0 {
		return nil, fmt.Errorf("%w: empty object", errPattern)
	}
	return p, nil
}

func compileOr(v any, depth int) ([]filterPattern, error) {
	list, ok := v.([]any)
	if !ok || len(list) < 2 {
		return nil, fmt.Errorf("%w: $or needs at least two patterns", errPattern)
	}
	var alts []filterPattern
	for _, el := range list {
		o, ok := el.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: $or members must be objects", errPattern)
		}
		p, err := compileObject(o, depth+1)
		if err != nil {
			return nil, err
		}
		alts = append(alts, *p)
	}
	return alts, nil
}

// compileMatcher compiles one array element of a pattern.
func compileMatcher(el any) (matcher, error) {
	switch x := el.(type) {
	case nil, string, bool, json.Number:
		return literalMatcher(x), nil
	case map[string]any:
		if len(x) != 1 {
			return nil, fmt.Errorf("%w: an operator object has exactly one key", errPattern)
		}
		for op, arg := range x {
			return compileOperator(op, arg)
		}
	}
	return nil, fmt.Errorf("%w: unsupported matcher %v", errPattern, el)
}

func literalMatcher(lit any) matcher {
	return func(v any, present bool) bool { return present && equalScalar(lit, v) }
}

func equalScalar(lit, v any) bool {
	switch l := lit.(type) {
	case nil:
		return v == nil
	case string:
		s, ok := v.(string)
		return ok && s == l
	case bool:
		b, ok := v.(bool)
		return ok && b == l
	case json.Number:
		a, err := l.Float64()
		b, ok := toFloat(v)
		return err == nil && ok && a == b
	}
	return false
}

func toFloat(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func compileOperator(op string, arg any) (matcher, error) {
	switch op {
	case "prefix", "suffix":
		return compileAffix(op, arg)
	case "equals-ignore-case":
		s, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("%w: equals-ignore-case needs a string", errPattern)
		}
		return stringMatcher(func(v string) bool { return strings.EqualFold(v, s) }), nil
	case "exists":
		want, ok := arg.(bool)
		if !ok {
			return nil, fmt.Errorf("%w: exists needs true or false", errPattern)
		}
		return func(_ any, present bool) bool { return present == want }, nil
	case "anything-but":
		return compileAnythingBut(arg)
	case "numeric":
		return compileNumeric(arg)
	case "wildcard":
		s, ok := arg.(string)
		if !ok || strings.Contains(s, "**") {
			return nil, fmt.Errorf("%w: wildcard needs a string without consecutive *", errPattern)
		}
		return stringMatcher(func(v string) bool { return wildcardMatch(s, v) }), nil
	case "cidr":
		s, ok := arg.(string)
		pfx, err := netip.ParsePrefix(s)
		if !ok || err != nil {
			return nil, fmt.Errorf("%w: cidr needs a CIDR block", errPattern)
		}
		return stringMatcher(func(v string) bool {
			a, err := netip.ParseAddr(v)
			return err == nil && pfx.Contains(a)
		}), nil
	}
	return nil, fmt.Errorf("%w: unknown operator %q", errPattern, op)
}

func stringMatcher(f func(string) bool) matcher {
	return func(v any, present bool) bool {
		s, ok := v.(string)
		return present && ok && f(s)
	}
}

// compileAffix compiles prefix/suffix with a string or {"equals-ignore-case": s}.
func compileAffix(op string, arg any) (matcher, error) {
	fold := false
	if m, ok := arg.(map[string]any); ok && len(m) == 1 {
		arg, fold = m["equals-ignore-case"], true
	}
	s, ok := arg.(string)
	if !ok {
		return nil, fmt.Errorf("%w: %s needs a string", errPattern, op)
	}
	test := strings.HasPrefix
	if op == "suffix" {
		test = strings.HasSuffix
	}
	if fold {
		s = strings.ToLower(s)
		return stringMatcher(func(v string) bool { return test(strings.ToLower(v), s) }), nil
	}
	return stringMatcher(func(v string) bool { return test(v, s) }), nil
}

func compileAnythingBut(arg any) (matcher, error) {
	switch x := arg.(type) {
	case string, bool, json.Number, nil:
		return func(v any, present bool) bool { return present && !equalScalar(x, v) }, nil
	case []any:
		if len(x) == 0 {
			return nil, fmt.Errorf("%w: anything-but needs values", errPattern)
		}
		return func(v any, present bool) bool {
			if !present {
				return false
			}
			for _, l := range x {
				if equalScalar(l, v) {
					return false
				}
			}
			return true
		}, nil
	case map[string]any:
		inner, err := compileMatcher(x)
		if err != nil {
			return nil, err
		}
		return func(v any, present bool) bool {
			_, isString := v.(string)
			return present && isString && !inner(v, present)
		}, nil
	}
	return nil, fmt.Errorf("%w: invalid anything-but", errPattern)
}

// compileNumeric compiles {"numeric": [op, n] or [op, n, op, n]}.
func compileNumeric(arg any) (matcher, error) {
	list, ok := arg.([]any)
	if !ok || (len(list) != 2 && len(list) != 4) {
		return nil, fmt.Errorf("%w: numeric needs [op, n] or [op, n, op, n]", errPattern)
	}
	type cmp struct {
		op string
		n  float64
	}
	var cs []cmp
	for i := 0; i < len(list); i += 2 {
		op, ok1 := list[i].(string)
		n, ok2 := toFloat(list[i+1])
		if !ok1 || !ok2 || math.IsInf(n, 0) {
			return nil, fmt.Errorf("%w: numeric needs an operator and a number", errPattern)
		}
		switch op {
		case "=", "<", "<=", ">", ">=":
		default:
			return nil, fmt.Errorf("%w: unknown numeric operator %q", errPattern, op)
		}
		cs = append(cs, cmp{op, n})
	}
	return func(v any, present bool) bool {
		f, ok := toFloat(v)
		if !present || !ok {
			return false
		}
		for _, c := range cs {
			var r bool
			switch c.op {
			case "=":
				r = f == c.n
			case "<":
				r = f < c.n
			case "<=":
				r = f <= c.n
			case ">":
				r = f > c.n
			default:
				r = f >= c.n
			}
			if !r {
				return false
			}
		}
		return true
	}, nil
}

// wildcardMatch matches s against pattern where * stands for any run of characters.
func wildcardMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// match reports whether the event (decoded with UseNumber) matches p.
func (p *filterPattern) match(ev map[string]any) bool {
	for k, fp := range p.fields {
		v, present := ev[k]
		if !fp.match(v, present) {
			return false
		}
	}
	for _, alts := range p.or {
		ok := false
		for i := range alts {
			if alts[i].match(ev) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (fp fieldPattern) match(v any, present bool) bool {
	if fp.nested != nil {
		obj, ok := v.(map[string]any)
		if !ok {
			// A nested pattern on an absent or non-object field matches only
			// when everything it asks for is absence.
			return fp.nested.match(map[string]any{}) && !present
		}
		return fp.nested.match(obj)
	}
	if arr, ok := v.([]any); ok && present {
		for _, el := range arr {
			for _, m := range fp.matchers {
				if m(el, true) {
					return true
				}
			}
		}
		return false
	}
	for _, m := range fp.matchers {
		if m(v, present) {
			return true
		}
	}
	return false
}
