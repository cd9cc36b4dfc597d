package sns

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strings"
)

// Filter policy limits (AWS: five keys, 150 combinations of values).
const (
	maxFilterKeys   = 5
	maxFilterCombos = 150
	maxFilterSize   = 256 * 1024
	maxFilterNumber = 1e9
)

// filterPolicy is a compiled subscription filter policy. It is not an IAM
// policy: keys name message attributes (scope MessageAttributes) or paths in
// a JSON message body (scope MessageBody), and a message passes when every
// key matches one of its conditions.
type filterPolicy struct {
	root filterNode
	body bool
}

// filterNode is a conjunction of terms.
type filterNode struct {
	terms []filterTerm
}

// filterTerm is either a leaf (a path and the conditions, any of which may
// match) or an $or of nodes.
type filterTerm struct {
	path  []string
	conds []condition
	or    []filterNode
}

// condKind is the type of a filter condition.
type condKind int

const (
	condString condKind = iota + 1
	condNumber
	condBool
	condNull
	condPrefix
	condSuffix
	condIgnoreCase
	condAnythingBut
	condNumeric
	condExists
	condCIDR
)

// condition is one element of a key's array of accepted values.
type condition struct {
	kind   condKind
	str    string
	num    float64
	flag   bool
	ranges []numCmp
	but    []condition // anything-but: the excluded values or the prefix/suffix condition
	prefix netip.Prefix
}

// numCmp is one comparison of a numeric condition.
type numCmp struct {
	op  string
	num float64
}

// parseFilterPolicy compiles a filter policy for the body (MessageBody) or
// attribute (MessageAttributes) scope. Errors read like AWS's messages after
// "Invalid parameter: FilterPolicy: ".
func parseFilterPolicy(doc string, body bool) (*filterPolicy, error) {
	if len(doc) > maxFilterSize {
		return nil, errors.New("Filter policy is too large")
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return nil, errors.New("failed to parse JSON.")
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("Filter policy must be a JSON object")
	}
	p := &filterPolicy{body: body}
	root, err := compileNode(obj, nil, body)
	if err != nil {
		return nil, err
	}
	p.root = root
	if n := len(root.paths(map[string]bool{})); n > maxFilterKeys {
		return nil, fmt.Errorf("Filter policy can not have more than %d keys", maxFilterKeys)
	}
	if root.combinations() > maxFilterCombos {
		return nil, errors.New("Filter policy is too complex")
	}
	return p, nil
}

// compileNode compiles a JSON object of the policy found at path.
func compileNode(obj map[string]any, path []string, body bool) (filterNode, error) {
	var n filterNode
	if len(obj) == 0 {
		return n, errors.New("Filter policy must not be empty")
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t, err := compileTerm(k, obj[k], path, body)
		if err != nil {
			return n, err
		}
		n.terms = append(n.terms, t)
	}
	return n, nil
}

// compileTerm compiles the policy entry k: v found at path.
func compileTerm(k string, v any, path []string, body bool) (filterTerm, error) {
	if k == "$or" {
		alts, ok := v.([]any)
		if !ok || len(alts) < 2 {
			return filterTerm{}, errors.New("$or must be an array of at least two objects")
		}
		var t filterTerm
		for _, a := range alts {
			obj, ok := a.(map[string]any)
			if !ok {
				return t, errors.New("$or must be an array of at least two objects")
			}
			n, err := compileNode(obj, path, body)
			if err != nil {
				return t, err
			}
			t.or = append(t.or, n)
		}
		return t, nil
	}
	sub := append(append([]string(nil), path...), k)
	switch v := v.(type) {
	case []any:
		conds, err := compileConditions(k, v)
		return filterTerm{path: sub, conds: conds}, err
	case map[string]any:
		if !body {
			return filterTerm{}, fmt.Errorf("\"%s\" must be an array of values; attribute-based filter policies cannot be nested", k)
		}
		n, err := compileNode(v, sub, body)
		if err != nil {
			return filterTerm{}, err
		}
		return filterTerm{or: []filterNode{n}}, nil
	}
	return filterTerm{}, fmt.Errorf("\"%s\" must be an object or an array", k)
}

// compileConditions compiles a key's array of accepted values.
func compileConditions(key string, vals []any) ([]condition, error) {
	if len(vals) == 0 {
		return nil, fmt.Errorf("\"%s\": empty arrays are not allowed", key)
	}
	out := make([]condition, 0, len(vals))
	for _, v := range vals {
		c, err := compileCondition(v)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// compileCondition compiles one accepted value: a literal or an operator
// object.
func compileCondition(v any) (condition, error) {
	switch v := v.(type) {
	case string:
		return condition{kind: condString, str: v}, nil
	case json.Number:
		f, err := filterNumber(v)
		return condition{kind: condNumber, num: f}, err
	case bool:
		return condition{kind: condBool, flag: v}, nil
	case nil:
		return condition{kind: condNull}, nil
	case map[string]any:
		if len(v) != 1 {
			return condition{}, errors.New("Match value must be String, number, true, false, or null")
		}
		for op, arg := range v {
			return compileOperator(op, arg)
		}
	}
	return condition{}, errors.New("Match value must be String, number, true, false, or null")
}

// filterNumber converts a policy number, checking AWS's range.
func filterNumber(n json.Number) (float64, error) {
	f, err := n.Float64()
	if err != nil || math.Abs(f) > maxFilterNumber {
		return 0, errors.New("Numeric value must be within the range -1000000000 to 1000000000")
	}
	return f, nil
}

// compileOperator compiles {op: arg}.
func compileOperator(op string, arg any) (condition, error) {
	str, isStr := arg.(string)
	switch op {
	case "prefix", "suffix", "equals-ignore-case":
		if !isStr {
			return condition{}, fmt.Errorf("%s match pattern must be a string", op)
		}
		kind := map[string]condKind{"prefix": condPrefix, "suffix": condSuffix, "equals-ignore-case": condIgnoreCase}[op]
		return condition{kind: kind, str: str}, nil
	case "exists":
		b, ok := arg.(bool)
		if !ok {
			return condition{}, errors.New("exists match pattern must be either true or false.")
		}
		return condition{kind: condExists, flag: b}, nil
	case "cidr":
		p, err := netip.ParsePrefix(str)
		if !isStr || err != nil {
			return condition{}, errors.New("Malformed CIDR, one '/' required")
		}
		return condition{kind: condCIDR, prefix: p.Masked()}, nil
	case "numeric":
		return compileNumeric(arg)
	case "anything-but":
		return compileAnythingBut(arg)
	}
	return condition{}, fmt.Errorf("Unrecognized match type %s", op)
}

// compileNumeric compiles ["=", n], [op, n] or [op1, n1, op2, n2].
func compileNumeric(arg any) (condition, error) {
	list, ok := arg.([]any)
	bad := errors.New("Value of numeric must be an array.")
	if !ok || (len(list) != 2 && len(list) != 4) {
		return condition{}, bad
	}
	c := condition{kind: condNumeric}
	for i := 0; i < len(list); i += 2 {
		op, ok1 := list[i].(string)
		n, ok2 := list[i+1].(json.Number)
		if !ok1 || !ok2 {
			return condition{}, errors.New("Value of numeric must be an array of operators and numbers")
		}
		switch op {
		case "=", "<", "<=", ">", ">=":
		default:
			return condition{}, fmt.Errorf("Unrecognized numeric range operator: %s", op)
		}
		f, err := filterNumber(n)
		if err != nil {
			return condition{}, err
		}
		c.ranges = append(c.ranges, numCmp{op: op, num: f})
	}
	if len(c.ranges) == 2 {
		lo, hi := c.ranges[0], c.ranges[1]
		if (lo.op != ">" && lo.op != ">=") || (hi.op != "<" && hi.op != "<=") {
			return condition{}, errors.New("Too many elements in numeric expression")
		}
		if lo.num >= hi.num {
			return condition{}, errors.New("Bottom must be less than top")
		}
	} else if c.ranges[0].op == "=" && len(list) != 2 {
		return condition{}, errors.New("Too many elements in numeric expression")
	}
	return c, nil
}

// compileAnythingBut compiles the argument of anything-but: a value, a list
// of values, or a prefix/suffix object.
func compileAnythingBut(arg any) (condition, error) {
	c := condition{kind: condAnythingBut}
	switch a := arg.(type) {
	case string, json.Number:
		inner, err := compileCondition(a)
		c.but = []condition{inner}
		return c, err
	case []any:
		if len(a) == 0 {
			return c, errors.New("Empty arrays are not allowed")
		}
		for _, v := range a {
			switch v.(type) {
			case string, json.Number:
			default:
				return c, errors.New("Inside anything but list, start|null|boolean is not supported.")
			}
			inner, err := compileCondition(v)
			if err != nil {
				return c, err
			}
			c.but = append(c.but, inner)
		}
		return c, nil
	case map[string]any:
		if len(a) == 1 {
			for op, v := range a {
				if s, ok := v.(string); ok && (op == "prefix" || op == "suffix") {
					inner, err := compileOperator(op, s)
					c.but = []condition{inner}
					return c, err
				}
			}
		}
		return c, errors.New("Unsupported anything-but pattern")
	}
	return c, errors.New("Unsupported anything-but pattern")
}

// paths collects the distinct leaf paths of the node.
func (n filterNode) paths(seen map[string]bool) map[string]bool {
	for _, t := range n.terms {
		if t.or != nil {
			for _, alt := range t.or {
				alt.paths(seen)
			}
			continue
		}
		seen[strings.Join(t.path, "\x00")] = true
	}
	return seen
}

// combinations is the policy's complexity: the product over keys of their
// number of values, with $or alternatives adding up.
func (n filterNode) combinations() int {
	total := 1
	for _, t := range n.terms {
		c := len(t.conds)
		if t.or != nil {
			c = 0
			for _, alt := range t.or {
				c += alt.combinations()
			}
		}
		total *= max(c, 1)
		if total > maxFilterCombos*1000 {
			return total
		}
	}
	return total
}

// canonicalJSON re-encodes a policy document compactly, as AWS echoes it.
func canonicalJSON(doc string) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(doc)); err != nil {
		return doc
	}
	return buf.String()
}
