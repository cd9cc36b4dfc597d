package awsapi

import (
	"fmt"
	"reflect"
	"strconv"
)

// MissingRequired returns the paths of required members that are absent from in,
// a pointer to a value of shape sh's Go type. It descends into nested structures,
// list elements and map values that are present. Paths use the member names with
// the first letter lowered, as AWS's validation messages do ("roleName",
// "tags.1.key" — list positions are 1-based).
//
// On shapes of a loaded model it visits only the members that are required or
// can hold required members (see prepareRequired), and builds a path only for
// a member it reports.
func MissingRequired(sh *Shape, in any) []string {
	if sh == nil || in == nil || (sh.required.ready && !sh.required.canMiss) {
		return nil
	}
	var w walker
	w.visit(sh, reflect.ValueOf(in))
	return w.out
}

// requiredInfo is what MissingRequired needs to know of a shape, computed
// once per model by prepareRequired.
type requiredInfo struct {
	ready   bool  // set by prepareRequired; a shape built by hand has it unset
	canMiss bool  // values of the shape can lack a required member
	members []int // indexes in Members of the members that are required or can miss
}

// prepareRequired fills the requiredInfo of every shape of a model: a
// fixpoint over the shapes, as recursive shapes can refer to themselves.
func prepareRequired(shapes map[string]*Shape) {
	for changed := true; changed; {
		changed = false
		for _, s := range shapes {
			if !s.required.canMiss && shapeCanMiss(s) {
				s.required.canMiss, changed = true, true
			}
		}
	}
	for _, s := range shapes {
		s.required.members = nil
		for i, m := range s.Members {
			if m.Required || m.Shape.required.canMiss {
				s.required.members = append(s.required.members, i)
			}
		}
		s.required.ready = true
	}
}

// shapeCanMiss reports whether values of s can lack a required member, given
// what is known so far of the shapes it refers to.
func shapeCanMiss(s *Shape) bool {
	switch s.Type {
	case TypeStructure:
		for _, m := range s.Members {
			if m.Required || m.Shape.required.canMiss {
				return true
			}
		}
	case TypeList:
		return s.Member != nil && s.Member.Shape.required.canMiss
	case TypeMap:
		return s.Value != nil && s.Value.Shape.required.canMiss
	}
	return false
}

// maxValidateDepth bounds recursion on recursive shapes.
const maxValidateDepth = 32

// walker is the state of one MissingRequired call: the missing paths found
// and the path to the value being visited, kept as segments and turned into
// a string only for a member that is reported.
type walker struct {
	out  []string
	path []pathSeg
}

// pathSeg is one step of a path.
type pathSeg struct {
	kind  segKind
	name  string           // a member name as the model spells it
	index int              // a 0-based list position
	iter  *reflect.MapIter // at the map entry visited
}

// segKind says what a pathSeg is.
type segKind uint8

const (
	segMember segKind = iota
	segIndex
	segKey
)

// push descends into seg, making room for a few levels at once.
func (w *walker) push(seg pathSeg) {
	if w.path == nil {
		w.path = make([]pathSeg, 0, 4)
	}
	w.path = append(w.path, seg)
}

// report adds the current path to the missing ones.
func (w *walker) report() {
	n := 0
	for _, s := range w.path {
		n += len(s.name) + 4
	}
	b := make([]byte, 0, n)
	for i, s := range w.path {
		if i > 0 {
			b = append(b, '.')
		}
		switch s.kind {
		case segMember:
			b = appendLowerFirst(b, s.name)
		case segKey:
			b = append(b, mapKey(s.iter.Key())...)
		case segIndex:
			b = strconv.AppendInt(b, int64(s.index+1), 10)
		}
	}
	w.out = append(w.out, string(b))
}

// visit checks value v of shape sh, at path w.path.
func (w *walker) visit(sh *Shape, v reflect.Value) {
	if len(w.path) > maxValidateDepth {
		return
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch sh.Type {
	case TypeStructure:
		if v.Kind() == reflect.Struct {
			w.visitStruct(sh, v)
		}
	case TypeList:
		if v.Kind() != reflect.Slice || !mayDescend(sh.Member.Shape) {
			return
		}
		for i := 0; i < v.Len(); i++ {
			w.push(pathSeg{kind: segIndex, index: i})
			w.visit(sh.Member.Shape, v.Index(i))
			w.path = w.path[:len(w.path)-1]
		}
	case TypeMap:
		if v.Kind() != reflect.Map || v.Len() == 0 || !mayDescend(sh.Value.Shape) {
			return
		}
		// One value is reused for every entry, instead of the copy per entry
		// that MapIter.Value makes; the key is read only for a report.
		val := reflect.New(v.Type().Elem()).Elem()
		for iter := v.MapRange(); iter.Next(); {
			val.SetIterValue(iter)
			w.push(pathSeg{kind: segKey, iter: iter})
			w.visit(sh.Value.Shape, val)
			w.path = w.path[:len(w.path)-1]
		}
	}
}

// mapKey returns a map key as a path element.
func mapKey(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return k.String()
	}
	return fmt.Sprint(k.Interface())
}

// visitStruct checks the members of structure v.
func (w *walker) visitStruct(sh *Shape, v reflect.Value) {
	if !sh.required.ready {
		for _, m := range sh.Members {
			w.visitMember(m, v)
		}
		return
	}
	for _, i := range sh.required.members {
		w.visitMember(sh.Members[i], v)
	}
}

// visitMember checks member m of structure v.
func (w *walker) visitMember(m *Member, v reflect.Value) {
	f, ok := Field(v, m)
	if !ok {
		return
	}
	absent := isAbsent(f)
	if (absent && !m.Required) || (!absent && !mayDescend(m.Shape)) {
		return
	}
	w.push(pathSeg{kind: segMember, name: m.Name})
	if absent {
		w.report()
	} else {
		w.visit(m.Shape, f)
	}
	w.path = w.path[:len(w.path)-1]
}

// mayDescend reports whether values of sh can hold members to validate.
func mayDescend(sh *Shape) bool {
	if sh.required.ready && !sh.required.canMiss {
		return false
	}
	return sh.Type == TypeStructure || sh.Type == TypeList || sh.Type == TypeMap
}

func isAbsent(f reflect.Value) bool {
	switch f.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return f.IsNil()
	}
	return false
}

// appendLowerFirst appends s to b with its first letter lowered.
func appendLowerFirst(b []byte, s string) []byte {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return append(b, s...)
	}
	return append(append(b, s[0]+'a'-'A'), s[1:]...)
}
