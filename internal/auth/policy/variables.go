package policy

import "strings"

// variable is one ${key} or ${key, 'default'} policy variable.
type variable struct {
	key    string
	def    string
	hasDef bool
	bad    bool // malformed: never resolves
}

// resolve returns the variable's value for the request context. A key resolves
// only when it is present with exactly one value (multivalued keys cannot be
// used as variables); otherwise the default applies, if any.
func (v *variable) resolve(ctx map[string][]string) (string, bool) {
	if v.bad {
		return "", false
	}
	if vals := lookup(ctx, v.key); len(vals) == 1 {
		return vals[0], true
	}
	if v.hasDef {
		return v.def, true
	}
	return "", false
}

type partKind uint8

const (
	partLit partKind = iota
	partStar
	partOne
	partVar
)

type part struct {
	kind partKind
	lit  string
	v    *variable
}

// template is a Resource entry or condition value that may contain wildcards
// and policy variables. Without variables its tokens and text are precomputed.
type template struct {
	hasVar bool
	parts  []part
	static []token
	text   string // rendering for non-wildcard comparisons
}

// newTemplate compiles s. With vars false (policy version 2008-10-17 or none),
// "${...}" is literal text.
func newTemplate(s string, vars bool) template {
	var t template
	if !vars || !strings.Contains(s, "${") {
		t.static = parseGlob(s)
		t.text = s
		return t
	}
	t.parts = parseTemplateParts(s)
	for _, p := range t.parts {
		if p.kind == partVar {
			t.hasVar = true
		}
	}
	if !t.hasVar {
		t.static, _ = t.build(nil)
		t.text, _ = t.render(nil)
	}
	return t
}

// parseTemplateParts splits s into literal text, wildcards and variables.
// ${*}, ${?} and ${$} stand for the literal characters. An unterminated "${"
// is literal text.
func parseTemplateParts(s string) []part {
	var parts []part
	addText := func(text string) {
		for _, tk := range parseGlob(text) {
			switch tk.kind {
			case tokStar:
				parts = append(parts, part{kind: partStar})
			case tokOne:
				parts = append(parts, part{kind: partOne})
			default:
				parts = append(parts, part{kind: partLit, lit: tk.lit})
			}
		}
	}
	for s != "" {
		i := strings.Index(s, "${")
		if i < 0 {
			addText(s)
			break
		}
		end := closingBrace(s[i+2:])
		if end < 0 {
			addText(s)
			break
		}
		addText(s[:i])
		inner := strings.TrimSpace(s[i+2 : i+2+end])
		switch inner {
		case "*", "?", "$":
			parts = append(parts, part{kind: partLit, lit: inner})
		default:
			parts = append(parts, part{kind: partVar, v: parseVariable(inner)})
		}
		s = s[i+2+end+1:]
	}
	return parts
}

// closingBrace finds the '}' that ends a variable, skipping quoted defaults.
func closingBrace(s string) int {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			quoted = !quoted // '' inside a default toggles twice: still quoted
		case '}':
			if !quoted {
				return i
			}
		}
	}
	return -1
}

// parseVariable parses "key" or "key, 'default'"; inside the default two single
// quotes stand for one.
func parseVariable(inner string) *variable {
	key, def, hasDef := strings.Cut(inner, ",")
	v := &variable{key: strings.TrimSpace(key)}
	if v.key == "" || strings.ContainsAny(v.key, " \t\n'") {
		v.bad = true
		return v
	}
	if !hasDef {
		return v
	}
	def = strings.TrimSpace(def)
	if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
		v.bad = true
		return v
	}
	body := def[1 : len(def)-1]
	if strings.Contains(strings.ReplaceAll(body, "''", ""), "'") {
		v.bad = true
		return v
	}
	v.def, v.hasDef = strings.ReplaceAll(body, "''", "'"), true
	return v
}

// tokens returns the wildcard pattern with variables substituted as literal
// text; ok is false when a variable cannot be resolved.
func (t *template) tokens(ctx map[string][]string) ([]token, bool) {
	if !t.hasVar {
		return t.static, true
	}
	return t.build(ctx)
}

// tokensBuf is tokens using buf as storage when variables must be
// substituted; it returns the (possibly grown) buffer for reuse.
func (t *template) tokensBuf(ctx map[string][]string, buf []token) ([]token, bool, []token) {
	if !t.hasVar {
		return t.static, true, buf
	}
	if cap(buf) < len(t.parts) {
		buf = make([]token, 0, max(len(t.parts), 8))
	}
	toks, ok := t.appendTokens(ctx, buf[:0])
	return toks, ok, toks[:0]
}

func (t *template) build(ctx map[string][]string) ([]token, bool) {
	return t.appendTokens(ctx, make([]token, 0, len(t.parts)))
}

func (t *template) appendTokens(ctx map[string][]string, toks []token) ([]token, bool) {
	for _, p := range t.parts {
		switch p.kind {
		case partStar:
			toks = append(toks, token{kind: tokStar})
		case partOne:
			toks = append(toks, token{kind: tokOne})
		case partLit:
			toks = append(toks, token{kind: tokLit, lit: p.lit})
		default:
			val, ok := p.v.resolve(ctx)
			if !ok {
				return toks, false
			}
			if val != "" {
				toks = append(toks, token{kind: tokLit, lit: val})
			}
		}
	}
	return toks, true
}

// str returns the value as plain text (wildcard characters kept literally), for
// operators without wildcard semantics; ok is false when a variable cannot be
// resolved.
func (t *template) str(ctx map[string][]string) (string, bool) {
	if !t.hasVar {
		return t.text, true
	}
	return t.render(ctx)
}

func (t *template) render(ctx map[string][]string) (string, bool) {
	var b strings.Builder
	for _, p := range t.parts {
		switch p.kind {
		case partStar:
			b.WriteByte('*')
		case partOne:
			b.WriteByte('?')
		case partLit:
			b.WriteString(p.lit)
		default:
			val, ok := p.v.resolve(ctx)
			if !ok {
				return "", false
			}
			b.WriteString(val)
		}
	}
	return b.String(), true
}

// lookup returns the values of a context key, matching the name
// case-insensitively as AWS does.
func lookup(ctx map[string][]string, key string) []string {
	if v, ok := ctx[key]; ok {
		return v
	}
	for k, v := range ctx {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}
