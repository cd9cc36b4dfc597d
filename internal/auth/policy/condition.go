package policy

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

type family uint8

const (
	famString family = iota
	famStringIC
	famStringLike
	famNumEq
	famNumLt
	famNumLte
	famNumGt
	famNumGte
	famDateEq
	famDateLt
	famDateLte
	famDateGt
	famDateGte
	famBool
	famBinary
	famIP
	famArn
	famNull
)

type setOp uint8

const (
	setNone setOp = iota
	setAll        // ForAllValues:
	setAny        // ForAnyValue:
)

// strPat is a string-like condition value after variable substitution.
type strPat struct {
	text string
	toks []token
	arn  *arnPattern // ARN family only
	ok   bool        // false: an unresolvable policy variable
}

// condition is one (operator, key, values) triple of a Condition block.
type condition struct {
	op       string
	key      string
	fam      family
	negated  bool
	ifExists bool
	set      setOp

	tmpls  []template // string, Bool and ARN families
	hasVar bool
	static []strPat // tmpls compiled, when there are no variables
	nums   []float64
	dates  []time.Time
	bins   []string
	nets   []netip.Prefix
	nulls  []bool
}

// operatorFamily maps a lowercased base operator name (no set prefix, no
// IfExists suffix) to its family and whether it is the negated form.
func operatorFamily(base string) (family, bool, bool) {
	switch base {
	case "stringequals", "stringnotequals":
		return famString, base == "stringnotequals", true
	case "stringequalsignorecase", "stringnotequalsignorecase":
		return famStringIC, base == "stringnotequalsignorecase", true
	case "stringlike", "stringnotlike":
		return famStringLike, base == "stringnotlike", true
	case "numericequals", "numericnotequals":
		return famNumEq, base == "numericnotequals", true
	case "numericlessthan":
		return famNumLt, false, true
	case "numericlessthanequals":
		return famNumLte, false, true
	case "numericgreaterthan":
		return famNumGt, false, true
	case "numericgreaterthanequals":
		return famNumGte, false, true
	case "dateequals", "datenotequals":
		return famDateEq, base == "datenotequals", true
	case "datelessthan":
		return famDateLt, false, true
	case "datelessthanequals":
		return famDateLte, false, true
	case "dategreaterthan":
		return famDateGt, false, true
	case "dategreaterthanequals":
		return famDateGte, false, true
	case "bool":
		return famBool, false, true
	case "binaryequals":
		return famBinary, false, true
	case "ipaddress", "notipaddress":
		return famIP, base == "notipaddress", true
	case "arnequals", "arnlike", "arnnotequals", "arnnotlike":
		return famArn, base == "arnnotequals" || base == "arnnotlike", true
	case "null":
		return famNull, false, true
	}
	return 0, false, false
}

// parseOperator splits "ForAnyValue:StringLikeIfExists" into its parts.
// Operator names are matched case-insensitively.
func parseOperator(op string) (*condition, error) {
	c := &condition{op: op}
	base := strings.ToLower(op)
	switch {
	case strings.HasPrefix(base, "forallvalues:"):
		c.set, base = setAll, base[len("forallvalues:"):]
	case strings.HasPrefix(base, "foranyvalue:"):
		c.set, base = setAny, base[len("foranyvalue:"):]
	}
	if strings.HasSuffix(base, "ifexists") {
		c.ifExists, base = true, strings.TrimSuffix(base, "ifexists")
	}
	fam, neg, ok := operatorFamily(base)
	if !ok || (fam == famNull && (c.ifExists || c.set != setNone)) {
		return nil, malformed("Invalid Condition type : %s", op)
	}
	c.fam, c.negated = fam, neg
	return c, nil
}

// parseConditionBlock compiles a statement's Condition element.
func parseConditionBlock(raw json.RawMessage, vars bool) ([]*condition, error) {
	var block map[string]json.RawMessage
	if err := json.Unmarshal(raw, &block); err != nil {
		return nil, malformed("Syntax errors in policy.")
	}
	var out []*condition
	for _, op := range sortedKeys(block) {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(block[op], &keys); err != nil {
			return nil, malformed("Syntax errors in policy.")
		}
		for _, key := range sortedKeys(keys) {
			c, err := parseOperator(op)
			if err != nil {
				return nil, err
			}
			if i := strings.IndexByte(key, ':'); i <= 0 || i == len(key)-1 {
				return nil, malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
			}
			c.key = key
			vals, err := conditionValues(keys[key])
			if err != nil {
				return nil, err
			}
			if err := c.compile(vals, vars); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// conditionValues accepts a string, boolean or number, or an array of them.
func conditionValues(raw json.RawMessage) ([]string, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, malformed("Syntax errors in policy.")
	}
	if arr, ok := v.([]any); ok {
		out := make([]string, 0, len(arr))
		for _, e := range arr {
			s, ok := scalarString(e)
			if !ok {
				return nil, malformed("Syntax errors in policy.")
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, ok := scalarString(v)
	if !ok {
		return nil, malformed("Syntax errors in policy.")
	}
	return []string{s}, nil
}

func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// compile converts the policy values for the operator's family.
func (c *condition) compile(vals []string, vars bool) error {
	for _, v := range vals {
		if err := c.compileValue(v, vars); err != nil {
			return err
		}
	}
	if c.tmpls != nil && !c.hasVar {
		c.static = c.resolve(nil)
	}
	return nil
}

func (c *condition) compileValue(v string, vars bool) error {
	bad := malformed("Invalid value for condition operator %s: %q", c.op, v)
	switch c.fam {
	case famString, famStringIC, famStringLike, famBool, famArn:
		t := newTemplate(v, vars)
		c.hasVar = c.hasVar || t.hasVar
		c.tmpls = append(c.tmpls, t)
	case famNumEq, famNumLt, famNumLte, famNumGt, famNumGte:
		f, ok := parseNumber(v)
		if !ok {
			return bad
		}
		c.nums = append(c.nums, f)
	case famDateEq, famDateLt, famDateLte, famDateGt, famDateGte:
		t, ok := parseDate(v)
		if !ok {
			return bad
		}
		c.dates = append(c.dates, t)
	case famBinary:
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return bad
		}
		c.bins = append(c.bins, string(b))
	case famIP:
		p, ok := parseIPRange(v)
		if !ok {
			return bad
		}
		c.nets = append(c.nets, p)
	case famNull:
		switch strings.ToLower(v) {
		case "true":
			c.nulls = append(c.nulls, true)
		case "false":
			c.nulls = append(c.nulls, false)
		default:
			return bad
		}
	}
	return nil
}

// resolve substitutes policy variables in string-like values.
func (c *condition) resolve(ctx map[string][]string) []strPat {
	if !c.hasVar && c.static != nil {
		return c.static
	}
	pats := make([]strPat, len(c.tmpls))
	for i := range c.tmpls {
		t := &c.tmpls[i]
		switch c.fam {
		case famStringLike:
			pats[i].toks, pats[i].ok = t.tokens(ctx)
		case famArn:
			pats[i].toks, pats[i].ok = t.tokens(ctx)
			if pats[i].ok {
				ap := newArnPattern(pats[i].toks)
				pats[i].arn = &ap
			}
		default:
			pats[i].text, pats[i].ok = t.str(ctx)
		}
	}
	return pats
}

// eval evaluates the condition against the request context, following the IAM
// condition operator reference: "If the key that you specify in a policy
// condition is not present in the request context, the values do not match and
// the condition is false. If the policy condition requires that the key is not
// matched, such as StringNotLike or ArnNotLike, and the right key is not
// present, the condition is true. This logic applies to all condition operators
// except ...IfExists and Null check." ForAllValues is documented to return true
// when the key is absent (an empty set), and ForAnyValue to return false.
func (c *condition) eval(ctx map[string][]string) bool {
	vals := lookup(ctx, c.key)
	if c.fam == famNull {
		for _, wantNull := range c.nulls {
			if wantNull == (len(vals) == 0) {
				return true
			}
		}
		return false
	}
	if len(vals) == 0 {
		switch {
		case c.ifExists:
			return true
		case c.set == setAll:
			return true
		case c.set == setAny:
			return false
		}
		return c.negated
	}
	var pats []strPat
	if c.tmpls != nil {
		pats = c.resolve(ctx)
		if c.negated && !allResolved(pats) {
			// An unresolvable variable invalidates the statement.
			return false
		}
	}
	// Multiple policy values are OR'd; a negated operator is true for a request
	// value that matches none of them. Without a set operator a negated
	// condition needs every request value to match none (so a single value
	// behaves as documented), a positive one needs any request value to match.
	every := c.set == setAll || (c.set == setNone && c.negated)
	for _, v := range vals {
		ok := c.matchValue(v, pats) != c.negated
		if every && !ok {
			return false
		}
		if !every && ok {
			return true
		}
	}
	return every
}

func allResolved(pats []strPat) bool {
	for i := range pats {
		if !pats[i].ok {
			return false
		}
	}
	return true
}

// matchValue reports whether one request value matches any policy value.
func (c *condition) matchValue(v string, pats []strPat) bool {
	switch c.fam {
	case famString, famStringIC, famStringLike, famBool, famArn:
		return c.matchString(v, pats)
	case famNumEq, famNumLt, famNumLte, famNumGt, famNumGte:
		f, ok := parseNumber(v)
		if !ok {
			return false
		}
		for _, n := range c.nums {
			if compareOK(c.fam-famNumEq, cmpFloat(f, n)) {
				return true
			}
		}
	case famDateEq, famDateLt, famDateLte, famDateGt, famDateGte:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, d := range c.dates {
			if compareOK(c.fam-famDateEq, t.Compare(d)) {
				return true
			}
		}
	case famBinary:
		for _, b := range c.bins {
			if b == v {
				return true
			}
		}
	case famIP:
		return matchIP(v, c.nets)
	}
	return false
}

func (c *condition) matchString(v string, pats []strPat) bool {
	for i := range pats {
		p := &pats[i]
		if !p.ok {
			continue
		}
		var m bool
		switch c.fam {
		case famString:
			m = p.text == v
		case famStringIC, famBool:
			m = strings.EqualFold(p.text, v)
		case famStringLike:
			m = globMatch(p.toks, v)
		case famArn:
			m = p.arn.match(v)
		}
		if m {
			return true
		}
	}
	return false
}

// compareOK applies comparison kind k (0 eq, 1 lt, 2 lte, 3 gt, 4 gte, in
// family order) to the result of comparing request value to policy value.
func compareOK(k family, cmp int) bool {
	switch k {
	case 0:
		return cmp == 0
	case 1:
		return cmp < 0
	case 2:
		return cmp <= 0
	case 3:
		return cmp > 0
	default:
		return cmp >= 0
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseDate accepts ISO 8601 date-times and epoch seconds (all digits).
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if isDigits(s) && len(s) != 4 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	// The W3C profile of ISO 8601 that AWS documents for date condition
	// values, plus a zone-less date-time read as UTC.
	layouts := [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04:05",
		"2006-01-02",
		"2006-01",
		"2006",
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseIPRange parses a CIDR block, or a single address as a /32 (or /128).
func parseIPRange(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

func matchIP(v string, nets []netip.Prefix) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(v))
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}
