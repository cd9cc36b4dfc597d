package policy

import (
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tokLit  tokKind = iota // literal text
	tokStar                // '*': any run of characters
	tokOne                 // '?': exactly one character
)

type token struct {
	kind tokKind
	lit  string
}

// globMatch reports whether s matches the wildcard pattern toks.
func globMatch(toks []token, s string) bool {
	return globMatchFold(toks, s, false)
}

// hasPrefixFold is strings.HasPrefix, ignoring case when fold is set.
func hasPrefixFold(s, prefix string, fold bool) bool {
	if !fold {
		return strings.HasPrefix(s, prefix)
	}
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// globMatchFold reports whether s matches the wildcard pattern toks, comparing
// literal text case-insensitively when fold is set. It backtracks only to the
// most recent star, which is sufficient for glob patterns and keeps the worst
// case at O(len(s) * len(toks)).
func globMatchFold(toks []token, s string, fold bool) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case tokStar:
				if ti == len(toks)-1 {
					return true // a trailing star matches the rest
				}
				starTi, starSi = ti, si
				ti++
				continue
			case tokOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			default:
				if hasPrefixFold(s[si:], t.lit, fold) {
					si += len(t.lit)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		ti, si = starTi+1, starSi
	}
}

// parseGlob splits a pattern into tokens, treating '*' and '?' as wildcards.
func parseGlob(p string) []token {
	var toks []token
	start := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '*' && c != '?' {
			continue
		}
		if i > start {
			toks = append(toks, token{kind: tokLit, lit: p[start:i]})
		}
		if c == '*' {
			if n := len(toks); n == 0 || toks[n-1].kind != tokStar {
				toks = append(toks, token{kind: tokStar})
			}
		} else {
			toks = append(toks, token{kind: tokOne})
		}
		start = i + 1
	}
	if start < len(p) {
		toks = append(toks, token{kind: tokLit, lit: p[start:]})
	}
	return toks
}

// glob is a precompiled wildcard pattern with fast paths for "*" and for
// patterns without wildcards. With fold set, literal text matches
// case-insensitively (as actions do).
type glob struct {
	all   bool
	exact bool
	fold  bool
	text  string
	toks  []token
}

func newGlob(p string, fold bool) glob {
	if p == "*" {
		return glob{all: true, text: p}
	}
	if !strings.ContainsAny(p, "*?") {
		return glob{exact: true, fold: fold, text: p}
	}
	return glob{text: p, fold: fold, toks: parseGlob(p)}
}

func (g *glob) match(s string) bool {
	switch {
	case g.all:
		return true
	case g.exact && g.fold:
		return strings.EqualFold(g.text, s)
	case g.exact:
		return g.text == s
	default:
		return globMatchFold(g.toks, s, g.fold)
	}
}

// arnPattern is an ARN condition value split into its six colon-delimited
// components; whole is set when the pattern has fewer than six components and
// is matched as a whole-string glob instead.
type arnPattern struct {
	parts [6][]token
	whole bool
	toks  []token
}

func newArnPattern(toks []token) arnPattern {
	parts, ok := splitTokens(toks)
	return arnPattern{parts: parts, whole: !ok, toks: toks}
}

// match matches an ARN component by component, as the ARN condition operators
// do: each of the six colon-delimited parts is matched on its own, so a '*'
// never crosses a ':' except inside the final resource part.
func (p *arnPattern) match(s string) bool {
	if p.whole {
		return globMatch(p.toks, s)
	}
	rest := s
	for i := 0; i < 5; i++ {
		part, after, ok := strings.Cut(rest, ":")
		if !ok || !globMatch(p.parts[i], part) {
			return false
		}
		rest = after
	}
	return globMatch(p.parts[5], rest)
}

// arnGlobMatch matches s against an ARN pattern given as tokens.
func arnGlobMatch(toks []token, s string) bool {
	p := newArnPattern(toks)
	return p.match(s)
}

// splitTokens splits a token list at the first five ':' found in literal tokens.
func splitTokens(toks []token) ([6][]token, bool) {
	var parts [6][]token
	idx := 0
	for _, t := range toks {
		if t.kind != tokLit || idx == 5 {
			parts[idx] = append(parts[idx], t)
			continue
		}
		lit := t.lit
		for idx < 5 {
			j := strings.IndexByte(lit, ':')
			if j < 0 {
				break
			}
			if j > 0 {
				parts[idx] = append(parts[idx], token{kind: tokLit, lit: lit[:j]})
			}
			lit = lit[j+1:]
			idx++
		}
		if lit != "" {
			parts[idx] = append(parts[idx], token{kind: tokLit, lit: lit})
		}
	}
	return parts, idx == 5
}
