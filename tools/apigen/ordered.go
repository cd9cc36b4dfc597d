package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// node is a JSON value that remembers the order of object keys, so a botocore
// model can be trimmed and written back with its members in model order.
type node struct {
	kind byte // 'o' object, 'a' array, 's' scalar
	keys []string
	vals []*node // object values (aligned with keys) or array elements
	raw  []byte  // scalar literal
}

// parseJSON decodes data into an ordered tree.
func parseJSON(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := decodeNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return n, nil
}

func decodeNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: 'o'}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeNode(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token() // '}'
			return n, err
		case '[':
			n := &node{kind: 'a'}
			for dec.More() {
				v, err := decodeNode(dec)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token() // ']'
			return n, err
		}
		return nil, fmt.Errorf("unexpected delimiter %v", t)
	case json.Number:
		return &node{kind: 's', raw: []byte(t)}, nil
	default:
		raw, err := marshalScalar(t)
		if err != nil {
			return nil, err
		}
		return &node{kind: 's', raw: raw}, nil
	}
}

// marshalScalar encodes a string, bool or nil without HTML escaping.
func marshalScalar(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// strNode returns a scalar string node.
func strNode(s string) *node {
	raw, _ := marshalScalar(s) // strings always encode
	return &node{kind: 's', raw: raw}
}

// get returns the value of key in object n, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != 'o' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// has reports whether object n has key.
func (n *node) has(key string) bool { return n.get(key) != nil }

// set replaces the value of key, or appends key when absent.
func (n *node) set(key string, v *node) {
	for i, k := range n.keys {
		if k == key {
			n.vals[i] = v
			return
		}
	}
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, v)
}

// del removes key from object n.
func (n *node) del(key string) {
	for i, k := range n.keys {
		if k == key {
			n.keys = append(n.keys[:i:i], n.keys[i+1:]...)
			n.vals = append(n.vals[:i:i], n.vals[i+1:]...)
			return
		}
	}
}

// str returns the value of a string scalar, or "".
func (n *node) str() string {
	if n == nil || n.kind != 's' {
		return ""
	}
	var s string
	if json.Unmarshal(n.raw, &s) != nil {
		return ""
	}
	return s
}

// getStr returns the string value of key in object n, or "".
func (n *node) getStr(key string) string { return n.get(key).str() }

// isTrue reports whether n is the literal true.
func (n *node) isTrue() bool { return n != nil && n.kind == 's' && string(n.raw) == "true" }

// clone returns a deep copy of n.
func (n *node) clone() *node {
	if n == nil {
		return nil
	}
	c := &node{kind: n.kind, raw: append([]byte(nil), n.raw...)}
	c.keys = append([]string(nil), n.keys...)
	for _, v := range n.vals {
		c.vals = append(c.vals, v.clone())
	}
	return c
}

// writeTo appends the compact encoding of n to buf.
func (n *node) writeTo(buf *bytes.Buffer) {
	switch n.kind {
	case 'o':
		buf.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, _ := marshalScalar(k)
			buf.Write(kb)
			buf.WriteByte(':')
			n.vals[i].writeTo(buf)
		}
		buf.WriteByte('}')
	case 'a':
		buf.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				buf.WriteByte(',')
			}
			v.writeTo(buf)
		}
		buf.WriteByte(']')
	default:
		buf.Write(n.raw)
	}
}

// marshalIndent encodes n with two-space indentation and a final newline.
func (n *node) marshalIndent() ([]byte, error) {
	var compact, out bytes.Buffer
	n.writeTo(&compact)
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
