package sns

import (
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// valKind is the JSON type of a value a filter looks at.
type valKind int

const (
	valString valKind = iota + 1
	valNumber
	valBool
	valNull
	valOther  // binary attributes, unparsable numbers: present, never equal to a literal
	valObject // JSON objects in a body: not a leaf
)

// fval is one value a filter condition is tested against.
type fval struct {
	kind valKind
	str  string
	num  float64
	flag bool
}

// lookupFunc returns the values found at path and whether the path exists.
type lookupFunc func(path []string) ([]fval, bool)

// matchAttributes reports whether message attributes pass the policy.
func (p *filterPolicy) matchAttributes(attrs map[string]AttributeValue) bool {
	return p.root.match(func(path []string) ([]fval, bool) {
		a, ok := attrs[path[0]]
		if !ok || len(path) != 1 {
			return nil, false
		}
		return attributeValues(a), true
	})
}

// attributeValues returns the filterable values of a message attribute:
// String and Number values, and the elements of a String.Array.
func attributeValues(a AttributeValue) []fval {
	base, _, _ := strings.Cut(a.DataType, ".")
	switch {
	case a.DataType == "String.Array":
		var elems []any
		dec := json.NewDecoder(strings.NewReader(a.StringValue))
		dec.UseNumber()
		if dec.Decode(&elems) != nil {
			return nil
		}
		var out []fval
		for _, e := range elems {
			out = append(out, jsonValues(e)...)
		}
		return out
	case base == "String":
		return []fval{{kind: valString, str: a.StringValue}}
	case base == "Number":
		f, err := strconv.ParseFloat(a.StringValue, 64)
		if err != nil {
			return []fval{{kind: valOther}}
		}
		return []fval{{kind: valNumber, num: f}}
	}
	return []fval{{kind: valOther}}
}

// matchBody reports whether a JSON message body passes the policy; a body
// that is not a JSON object never does.
func (p *filterPolicy) matchBody(body string) bool {
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if dec.Decode(&doc) != nil {
		return false
	}
	return p.root.match(func(path []string) ([]fval, bool) {
		cur := []any{doc}
		for _, k := range path {
			var next []any
			for _, c := range cur {
				next = append(next, descend(c, k)...)
			}
			if len(next) == 0 {
				return nil, false
			}
			cur = next
		}
		var out []fval
		for _, c := range cur {
			out = append(out, jsonValues(c)...)
		}
		return out, true
	})
}

// descend returns v[k], looking through arrays of objects.
func descend(v any, k string) []any {
	switch v := v.(type) {
	case map[string]any:
		if x, ok := v[k]; ok {
			return []any{x}
		}
	case []any:
		var out []any
		for _, e := range v {
			out = append(out, descend(e, k)...)
		}
		return out
	}
	return nil
}

// jsonValues flattens a JSON value into filterable values.
func jsonValues(v any) []fval {
	switch v := v.(type) {
	case string:
		return []fval{{kind: valString, str: v}}
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return []fval{{kind: valOther}}
		}
		return []fval{{kind: valNumber, num: f}}
	case bool:
		return []fval{{kind: valBool, flag: v}}
	case nil:
		return []fval{{kind: valNull}}
	case []any:
		var out []fval
		for _, e := range v {
			out = append(out, jsonValues(e)...)
		}
		return out
	}
	return []fval{{kind: valObject}}
}

// match reports whether every term of the node matches.
func (n filterNode) match(look lookupFunc) bool {
	for _, t := range n.terms {
		if !t.match(look) {
			return false
		}
	}
	return true
}

// match reports whether a term matches: an $or when one alternative does, a
// leaf when one of its conditions matches one of the values at its path.
func (t filterTerm) match(look lookupFunc) bool {
	if t.or != nil {
		for _, alt := range t.or {
			if alt.match(look) {
				return true
			}
		}
		return false
	}
	vals, present := look(t.path)
	for _, c := range t.conds {
		if c.kind == condExists {
			if c.flag == (present && hasLeaf(vals)) {
				return true
			}
			continue
		}
		for _, v := range vals {
			if c.matches(v) {
				return true
			}
		}
	}
	return false
}

// hasLeaf reports whether vals hold a value other than an object.
func hasLeaf(vals []fval) bool {
	for _, v := range vals {
		if v.kind != valObject {
			return true
		}
	}
	return false
}

// numEqual compares numbers with the five decimal digits of accuracy AWS
// documents.
func numEqual(a, b float64) bool { return math.Abs(a-b) < 5e-6 }

// matches reports whether one value satisfies the condition.
func (c condition) matches(v fval) bool {
	switch c.kind {
	case condString:
		return v.kind == valString && v.str == c.str
	case condNumber:
		return v.kind == valNumber && numEqual(v.num, c.num)
	case condBool:
		return v.kind == valBool && v.flag == c.flag
	case condNull:
		return v.kind == valNull
	case condPrefix:
		return v.kind == valString && strings.HasPrefix(v.str, c.str)
	case condSuffix:
		return v.kind == valString && strings.HasSuffix(v.str, c.str)
	case condIgnoreCase:
		return v.kind == valString && strings.EqualFold(v.str, c.str)
	case condNumeric:
		return v.kind == valNumber && c.inRange(v.num)
	case condCIDR:
		if v.kind != valString {
			return false
		}
		ip, err := netip.ParseAddr(v.str)
		return err == nil && c.prefix.Contains(ip)
	case condAnythingBut:
		if v.kind != valString && v.kind != valNumber {
			return false
		}
		for _, b := range c.but {
			if b.matches(v) {
				return false
			}
		}
		if len(c.but) == 1 && (c.but[0].kind == condPrefix || c.but[0].kind == condSuffix) {
			return v.kind == valString
		}
		return true
	}
	return false
}

// inRange evaluates a numeric condition.
func (c condition) inRange(x float64) bool {
	for _, r := range c.ranges {
		var ok bool
		switch r.op {
		case "=":
			ok = numEqual(x, r.num)
		case "<":
			ok = x < r.num
		case "<=":
			ok = x <= r.num
		case ">":
			ok = x > r.num
		case ">=":
			ok = x >= r.num
		}
		if !ok {
			return false
		}
	}
	return true
}
