package main

import (
	"strconv"
	"strings"
	"unicode"
)

// exportName turns a botocore shape name into an exported Go identifier: leading
// underscores are stripped, the first letter is upper-cased and characters that
// cannot appear in an identifier become underscores. A name that does not start
// with a letter gets an "X" prefix.
func exportName(name string) string {
	name = strings.TrimLeft(name, "_")
	return upperFirst(name)
}

// fieldName turns a member name into an exported Go field name: the first letter
// is upper-cased and the rest is kept.
func fieldName(member string) string { return upperFirst(member) }

func upperFirst(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case i == 0 && unicode.IsLetter(r):
			b.WriteRune(unicode.ToUpper(r))
		case i == 0:
			b.WriteString("X")
			b.WriteRune(identRune(r))
		default:
			b.WriteRune(identRune(r))
		}
	}
	if b.Len() == 0 {
		return "X"
	}
	return b.String()
}

func identRune(r rune) rune {
	if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
		return r
	}
	return '_'
}

// nameSet hands out unique identifiers.
type nameSet map[string]bool

// unique returns base if unused, else base+suffix, base+suffix+"2", … and marks
// the result used.
func (s nameSet) unique(base, suffix string) string {
	name := base
	for i := 1; s[name]; i++ {
		name = base + suffix
		if i > 1 {
			name += strconv.Itoa(i)
		}
	}
	s[name] = true
	return name
}
