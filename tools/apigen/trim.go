package main

import (
	"fmt"
	"slices"
)

// docKeys are the keys removed from metadata, shapes and members: prose and
// deprecation notes that the codecs never read.
var docKeys = []string{
	"documentation", "documentationUrl", "deprecated", "deprecatedMessage",
	"deprecatedSince", "examples",
}

// opKeys are the operation keys kept in a trimmed model.
var opKeys = []string{
	"name", "http", "input", "output", "errors", "httpChecksum",
	"httpChecksumRequired", "requestcompression", "unsignedPayload", "authtype",
}

// reachableShapes returns the shapes reachable from the inputs, outputs and errors
// of ops, following members, list members and map keys and values.
func reachableShapes(model *node, ops []string) (map[string]bool, error) {
	shapes := model.get("shapes")
	operations := model.get("operations")
	seen := make(map[string]bool)
	var walk func(name string) error
	walk = func(name string) error {
		if name == "" || seen[name] {
			return nil
		}
		s := shapes.get(name)
		if s == nil {
			return fmt.Errorf("missing shape %s", name)
		}
		seen[name] = true
		var refs []*node
		if m := s.get("members"); m != nil {
			refs = append(refs, m.vals...)
		}
		refs = append(refs, s.get("member"), s.get("key"), s.get("value"))
		for _, r := range refs {
			if r == nil {
				continue
			}
			if err := walk(r.getStr("shape")); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	}
	for _, name := range ops {
		op := operations.get(name)
		if op == nil {
			return nil, fmt.Errorf("model has no operation %s", name)
		}
		roots := []string{op.get("input").getStr("shape"), op.get("output").getStr("shape")}
		if errs := op.get("errors"); errs != nil {
			for _, e := range errs.vals {
				roots = append(roots, e.getStr("shape"))
			}
		}
		for _, r := range roots {
			if err := walk(r); err != nil {
				return nil, fmt.Errorf("operation %s: %w", name, err)
			}
		}
	}
	return seen, nil
}

// trimModel returns a copy of model reduced to what the codecs need: metadata,
// every operation (reduced to opKeys, with references to dropped shapes removed)
// and only the shapes reachable from the implemented operations ops. Prose is
// removed everywhere; key order follows the source document.
func trimModel(model *node, ops []string) (*node, error) {
	if model.get("metadata") == nil || model.get("operations") == nil || model.get("shapes") == nil {
		return nil, fmt.Errorf("not a botocore service model (metadata, operations and shapes required)")
	}
	keep, err := reachableShapes(model, ops)
	if err != nil {
		return nil, err
	}
	out := &node{kind: 'o'}
	if v := model.get("version"); v != nil {
		out.set("version", v.clone())
	}
	md := model.get("metadata").clone()
	stripDocs(md)
	out.set("metadata", md)

	operations := &node{kind: 'o'}
	src := model.get("operations")
	for i, name := range src.keys {
		operations.set(name, trimOperation(src.vals[i], keep))
	}
	out.set("operations", operations)

	shapes := &node{kind: 'o'}
	srcShapes := model.get("shapes")
	for i, name := range srcShapes.keys {
		if keep[name] {
			shapes.set(name, trimShape(srcShapes.vals[i]))
		}
	}
	out.set("shapes", shapes)
	return out, nil
}

// trimOperation keeps the opKeys of op and drops references to shapes not in keep.
func trimOperation(op *node, keep map[string]bool) *node {
	out := &node{kind: 'o'}
	for i, k := range op.keys {
		if !slices.Contains(opKeys, k) {
			continue
		}
		v := op.vals[i].clone()
		switch k {
		case "input", "output":
			if !keep[v.getStr("shape")] {
				continue
			}
			stripDocs(v)
		case "errors":
			kept := &node{kind: 'a'}
			for _, e := range v.vals {
				if keep[e.getStr("shape")] {
					stripDocs(e)
					kept.vals = append(kept.vals, e)
				}
			}
			if len(kept.vals) == 0 {
				continue
			}
			v = kept
		}
		out.set(k, v)
	}
	return out
}

// trimShape returns a copy of shape without prose on it or its member references.
func trimShape(shape *node) *node {
	s := shape.clone()
	stripDocs(s)
	if m := s.get("members"); m != nil {
		for _, ref := range m.vals {
			stripDocs(ref)
		}
	}
	for _, k := range []string{"member", "key", "value"} {
		stripDocs(s.get(k))
	}
	return s
}

// stripDocs removes docKeys from object n (not recursively: member maps are keyed
// by member names, which may coincide with a doc key).
func stripDocs(n *node) {
	if n == nil || n.kind != 'o' {
		return
	}
	for _, k := range docKeys {
		n.del(k)
	}
}
