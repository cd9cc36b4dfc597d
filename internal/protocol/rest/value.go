package rest

import "reflect"

// StructOf dereferences pointers and interfaces in v down to a struct value;
// ok is false when v is nil along the way or is not a struct.
func StructOf(v reflect.Value) (sv reflect.Value, ok bool) {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	return v, v.IsValid() && v.Kind() == reflect.Struct
}

// IsNil reports whether a member value is absent: a nil pointer, interface,
// slice or map, or an invalid value.
func IsNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return v.IsNil()
	}
	return !v.IsValid()
}
