package logs

import (
	"strconv"
	"strings"
)

// delimMatcher is a space-delimited pattern: named fields matched in order
// against the message's space-separated fields ("..." matches any number of
// them), each with optional conditions.
type delimMatcher struct {
	items []delimItem
	// cross is set when a condition names a field other than its own, so
	// conditions are checked once a whole alignment is found.
	cross bool
}

type delimItem struct {
	name     string
	ellipsis bool
	// conds is a disjunction of conjunctions: (c && c) || (c && c).
	conds [][]delimCond
}

type delimCond struct {
	field string
	op    compareOp
	v     value
}

// maxDelimFields bounds the message fields considered, keeping alignment
// with several ellipses cheap.
const maxDelimFields = 512

func parseDelimited(t string, base int) (matcher, error) {
	p := &jparser{t: t, i: 1, base: base}
	var m delimMatcher
	for {
		p.skip()
		if p.i < len(p.t) && p.t[p.i] == ']' && len(m.items) == 0 {
			return nil, p.fail("empty field list")
		}
		it, err := p.parseDelimItem()
		if err != nil {
			return nil, err
		}
		m.items = append(m.items, it)
		p.skip()
		if p.i >= len(p.t) {
			return nil, p.fail("expected ']'")
		}
		if p.t[p.i] == ',' {
			p.i++
			continue
		}
		if p.t[p.i] != ']' {
			return nil, p.fail("expected ',' or ']'")
		}
		p.i++
		break
	}
	p.skip()
	if p.i != len(p.t) {
		return nil, p.fail("unexpected text after ']'")
	}
	names := map[string]bool{}
	for _, it := range m.items {
		names[it.name] = true
	}
	for _, it := range m.items {
		for _, conj := range it.conds {
			for _, c := range conj {
				if !names[c.field] {
					return nil, &PatternError{Pos: base, Msg: "condition names unknown field " + strconv.Quote(c.field)}
				}
				m.cross = m.cross || c.field != it.name
			}
		}
	}
	return m, nil
}

func (p *jparser) parseDelimItem() (delimItem, error) {
	if strings.HasPrefix(p.t[p.i:], "...") {
		p.i += 3
		return delimItem{ellipsis: true}, nil
	}
	name, err := p.fieldName()
	if err != nil {
		return delimItem{}, err
	}
	it := delimItem{name: name}
	p.skip()
	if op, _ := readOp(p.t, p.i); op == "" {
		return it, nil
	}
	conj := []delimCond{}
	field := name
	for {
		op, n := readOp(p.t, p.i)
		if op == "" {
			return it, p.fail("expected a comparison operator")
		}
		p.i = n
		p.skip()
		v, err := p.parseValue(",]&|")
		if err != nil {
			return it, err
		}
		if op != opEq && op != opNe && !v.numeric {
			return it, p.fail("operator " + string(op) + " needs a numeric value")
		}
		conj = append(conj, delimCond{field: field, op: op, v: v})
		p.skip()
		switch {
		case strings.HasPrefix(p.t[p.i:], "&&"):
			p.i += 2
		case strings.HasPrefix(p.t[p.i:], "||"):
			p.i += 2
			it.conds = append(it.conds, conj)
			conj = []delimCond{}
		default:
			it.conds = append(it.conds, conj)
			return it, nil
		}
		p.skip()
		if field, err = p.fieldName(); err != nil {
			return it, err
		}
		p.skip()
	}
}

// fieldName reads a field name.
func (p *jparser) fieldName() (string, error) {
	j := p.i
	for j < len(p.t) && !isSpace(p.t[j]) && !strings.ContainsRune(",]=!<>&|\"%[", rune(p.t[j])) {
		j++
	}
	if j == p.i {
		return "", p.fail("expected a field name")
	}
	name := p.t[p.i:j]
	p.i = j
	return name, nil
}

// splitFields splits a message on spaces, keeping "quoted" and [bracketed]
// runs together as one field.
func splitFields(msg string) []string {
	var out []string
	for i := 0; i < len(msg) && len(out) < maxDelimFields; {
		if isSpace(msg[i]) {
			i++
			continue
		}
		j := i
		switch msg[i] {
		case '"':
			if k := strings.IndexByte(msg[i+1:], '"'); k >= 0 {
				j = i + k + 2
			}
		case '[':
			if k := strings.IndexByte(msg[i+1:], ']'); k >= 0 {
				j = i + k + 2
			}
		}
		for j < len(msg) && !isSpace(msg[j]) {
			j++
		}
		out = append(out, msg[i:j])
		i = j
	}
	return out
}

func (m delimMatcher) match(msg string) bool {
	fields := splitFields(msg)
	a := aligner{m: m, fields: fields, bind: make(map[string]string, len(m.items)), budget: maxAlignSteps}
	if !m.cross {
		// Without cross-field conditions the outcome of aligning items[i:]
		// with fields[j:] depends only on (i, j): remember failures.
		a.failed = make([]bool, (len(m.items)+1)*(len(fields)+1))
	}
	return a.align(0, 0)
}

// aligner searches an alignment of a delimited pattern with a message.
type aligner struct {
	m      delimMatcher
	fields []string
	bind   map[string]string
	failed []bool // (i, j) known not to align, when memoising
	budget int    // steps left; an alignment not found within it fails
}

// maxAlignSteps bounds the search for patterns with cross-field conditions
// and several ellipses, whose alignments cannot be memoised.
const maxAlignSteps = 1 << 20

// align matches items[i:] against fields[j:], binding names.
func (a *aligner) align(i, j int) bool {
	if a.failed != nil && a.failed[i*(len(a.fields)+1)+j] {
		return false
	}
	ok := a.try(i, j)
	if !ok && a.failed != nil {
		a.failed[i*(len(a.fields)+1)+j] = true
	}
	return ok
}

func (a *aligner) try(i, j int) bool {
	if a.budget--; a.budget < 0 {
		return false
	}
	m := a.m
	if i == len(m.items) {
		return j == len(a.fields) && (!m.cross || m.checkAll(a.bind))
	}
	it := m.items[i]
	if it.ellipsis {
		for k := j; k <= len(a.fields); k++ {
			if a.align(i+1, k) {
				return true
			}
		}
		return false
	}
	if j == len(a.fields) {
		return false
	}
	a.bind[it.name] = a.fields[j]
	if !m.cross && !it.check(a.bind) {
		return false
	}
	return a.align(i+1, j+1)
}

func (m delimMatcher) checkAll(bind map[string]string) bool {
	for _, it := range m.items {
		if !it.check(bind) {
			return false
		}
	}
	return true
}

// check evaluates the item's conditions against the bound fields.
func (it delimItem) check(bind map[string]string) bool {
	if len(it.conds) == 0 {
		return true
	}
	for _, conj := range it.conds {
		ok := true
		for _, c := range conj {
			if !c.test(bind[c.field]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c delimCond) test(field string) bool {
	if n := len(field); n >= 2 && ((field[0] == '"' && field[n-1] == '"') || (field[0] == '[' && field[n-1] == ']')) {
		field = field[1 : n-1]
	}
	f, err := strconv.ParseFloat(field, 64)
	return compareText(field, f, err == nil, c.op, c.v)
}
