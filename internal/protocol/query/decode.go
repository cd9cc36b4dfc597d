package query

import (
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/rest"
)

// Limits on what a request may carry.
const (
	// MaxBody is the largest form body read.
	MaxBody = 16 << 20
	// MaxParams is the largest number of parameters accepted.
	MaxParams = 200000
	// maxIndex is the largest list or map index accepted; indices are sparse
	// keys, never allocation sizes.
	maxIndex = 1 << 31
	// maxDepth is the most dot-separated parts a key may have.
	maxDepth = 64
)

// node is one level of a parsed parameter tree: "A.B.member.1" is the path
// A → B → member → 1.
type node struct {
	value    string
	hasValue bool
	children map[string]*node
}

// buildTree parses the flat parameters into a tree. Action and Version are
// kept but never bound, as no input shape has such members in query services.
func buildTree(params url.Values) *node {
	root := &node{}
	for key, vals := range params {
		parts := strings.Split(key, ".")
		if len(parts) > maxDepth {
			continue // deeper than any model nests; never bound
		}
		n := root
		for _, part := range parts {
			if n.children == nil {
				n.children = make(map[string]*node)
			}
			c := n.children[part]
			if c == nil {
				c = &node{}
				n.children[part] = c
			}
			n = c
		}
		if len(vals) > 0 {
			n.value, n.hasValue = vals[0], true
		}
	}
	return root
}

// indexed returns the children of n whose names are positive integers, in
// numeric order.
func (n *node) indexed() []*node {
	type entry struct {
		i int
		n *node
	}
	var es []entry
	for k, c := range n.children {
		i, err := strconv.Atoi(k)
		if err != nil || i < 1 || i > maxIndex {
			continue
		}
		es = append(es, entry{i, c})
	}
	sort.Slice(es, func(a, b int) bool { return es[a].i < es[b].i })
	out := make([]*node, len(es))
	for i, e := range es {
		out[i] = e.n
	}
	return out
}

// paramError is a value that does not fit its member.
type paramError struct {
	name string
	err  error
}

func (e *paramError) Error() string {
	return fmt.Sprintf("Value for parameter %s is invalid: %v", e.name, e.err)
}

// decodeStruct fills struct v of shape sh from the children of n.
func decodeStruct(n *node, sh *awsapi.Shape, v reflect.Value, path string) error {
	for _, m := range sh.Members {
		name := serializedName(m, m.Name)
		if m.IsFlattened() && m.Shape.Type == awsapi.TypeList {
			// botocore names a flattened list after its member's locationName.
			name = serializedName(m.Shape.Member, name)
		}
		c := n.children[name]
		if c == nil {
			continue
		}
		f, ok := awsapi.Field(v, m)
		if !ok {
			continue
		}
		if err := decodeValue(c, m, f, join(path, name)); err != nil {
			return err
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// decodeValue fills f (the Go value of member m) from node n.
func decodeValue(n *node, m *awsapi.Member, f reflect.Value, path string) error {
	sh := m.Shape
	switch sh.Type {
	case awsapi.TypeStructure:
		if len(n.children) == 0 {
			return nil
		}
		if f.Kind() == reflect.Pointer {
			p := reflect.New(f.Type().Elem())
			if err := decodeStruct(n, sh, p.Elem(), path); err != nil {
				return err
			}
			f.Set(p)
			return nil
		}
		if f.Kind() != reflect.Struct {
			return &paramError{path, fmt.Errorf("go type %s is not a struct", f.Type())}
		}
		return decodeStruct(n, sh, f, path)
	case awsapi.TypeList:
		return decodeList(n, m, f, path)
	case awsapi.TypeMap:
		return decodeMap(n, m, f, path)
	}
	if !n.hasValue {
		return nil
	}
	if err := rest.SetText(f, sh, n.value, true); err != nil {
		return &paramError{path, err}
	}
	return nil
}

func decodeList(n *node, m *awsapi.Member, f reflect.Value, path string) error {
	if f.Kind() != reflect.Slice {
		return &paramError{path, fmt.Errorf("go type %s is not a slice", f.Type())}
	}
	elems := n
	if !m.IsFlattened() {
		name := serializedName(m.Shape.Member, "member")
		elems = n.children[name]
		path = join(path, name)
	}
	var items []*node
	if elems != nil {
		items = elems.indexed()
	}
	if len(items) == 0 {
		if n.hasValue && n.value == "" {
			f.Set(reflect.MakeSlice(f.Type(), 0, 0)) // "Name=" is an empty list
		}
		return nil
	}
	s := reflect.MakeSlice(f.Type(), len(items), len(items))
	for i, it := range items {
		if err := decodeValue(it, m.Shape.Member, s.Index(i), path+"."+strconv.Itoa(i+1)); err != nil {
			return err
		}
	}
	f.Set(s)
	return nil
}

func decodeMap(n *node, m *awsapi.Member, f reflect.Value, path string) error {
	if f.Kind() != reflect.Map || f.Type().Key().Kind() != reflect.String {
		return &paramError{path, fmt.Errorf("go type %s is not a map keyed by string", f.Type())}
	}
	entries := n
	if !m.IsFlattened() {
		entries = n.children["entry"]
		path += ".entry"
	}
	if entries == nil {
		return nil
	}
	keyName, valName := serializedName(m.Shape.Key, "key"), serializedName(m.Shape.Value, "value")
	mv := reflect.MakeMap(f.Type())
	for i, e := range entries.indexed() {
		k := e.children[keyName]
		if k == nil || !k.hasValue {
			return &paramError{fmt.Sprintf("%s.%d.%s", path, i+1, keyName), fmt.Errorf("missing map key")}
		}
		ev := reflect.New(f.Type().Elem()).Elem()
		if vn := e.children[valName]; vn != nil {
			if err := decodeValue(vn, m.Shape.Value, ev, fmt.Sprintf("%s.%d.%s", path, i+1, valName)); err != nil {
				return err
			}
		}
		mv.SetMapIndex(reflect.ValueOf(k.value).Convert(f.Type().Key()), ev)
	}
	f.Set(mv)
	return nil
}

// serializedName is the query name of m as botocore computes it: the member's
// locationName, else its shape's, else def.
func serializedName(m *awsapi.Member, def string) string {
	switch {
	case m.LocationName != "":
		return m.LocationName
	case m.Shape.LocationName != "":
		return m.Shape.LocationName
	}
	return def
}
