package awsapi

import (
	"reflect"
	"strconv"
)

// MissingRequired returns the paths of required members that are absent from in,
// a pointer to a value of shape sh's Go type. It descends into nested structures,
// list elements and map values that are present. Paths use the member names with
// the first letter lowered, as AWS's validation messages do ("roleName",
// "tags.1.key" — list positions are 1-based).
func MissingRequired(sh *Shape, in any) []string {
	if sh == nil || in == nil {
		return nil
	}
	var out []string
	missingIn(sh, reflect.ValueOf(in), "", &out, 0)
	return out
}

// maxValidateDepth bounds recursion on recursive shapes.
const maxValidateDepth = 32

func missingIn(sh *Shape, v reflect.Value, path string, out *[]string, depth int) {
	if depth > maxValidateDepth {
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
		if v.Kind() != reflect.Struct {
			return
		}
		for _, m := range sh.Members {
			f, ok := Field(v, m)
			if !ok {
				continue
			}
			if absent(f) {
				if m.Required {
					*out = append(*out, join(path, lowerFirst(m.Name)))
				}
				continue
			}
			if !hasMembers(m.Shape) {
				continue // a present scalar has nothing inside to check
			}
			missingIn(m.Shape, f, join(path, lowerFirst(m.Name)), out, depth+1)
		}
	case TypeList:
		if v.Kind() != reflect.Slice || !hasMembers(sh.Member.Shape) {
			return
		}
		for i := 0; i < v.Len(); i++ {
			missingIn(sh.Member.Shape, v.Index(i), join(path, strconv.Itoa(i+1)), out, depth+1)
		}
	case TypeMap:
		if v.Kind() != reflect.Map || !hasMembers(sh.Value.Shape) {
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			missingIn(sh.Value.Shape, iter.Value(), join(path, iter.Key().String()), out, depth+1)
		}
	}
}

// hasMembers reports whether values of sh can hold members to validate.
func hasMembers(sh *Shape) bool {
	return sh.Type == TypeStructure || sh.Type == TypeList || sh.Type == TypeMap
}

func absent(f reflect.Value) bool {
	switch f.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return f.IsNil()
	}
	return false
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}
