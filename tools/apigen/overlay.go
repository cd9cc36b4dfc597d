package main

// Traits merged from an overlay (older, awsQuery) model. Newer botocore models of
// services that moved from awsQuery to AWS JSON (SQS) dropped the traits that old
// query clients still rely on; the overlay brings them back where the new model
// has nothing to say.
var (
	overlayShapeTraits  = []string{"locationName", "flattened", "error"}
	overlayMemberTraits = []string{"locationName", "flattened"}
	overlayRefTraits    = []string{"locationName"} // list members, map keys and values
)

// mergeOverlay copies query-only traits from old into model (a trimmed model),
// matching operations, shapes and members by name. A trait is copied only where
// model lacks it. It adds "query" to metadata.protocols and the old xmlNamespace.
func mergeOverlay(model, old *node) {
	mergeMetadata(model.get("metadata"), old.get("metadata"))
	oldOps := old.get("operations")
	ops := model.get("operations")
	for i, name := range ops.keys {
		out, oldOut := ops.vals[i].get("output"), oldOps.get(name).get("output")
		if out == nil || oldOut == nil || out.getStr("shape") != oldOut.getStr("shape") {
			continue
		}
		copyTraits(out, oldOut, []string{"resultWrapper"})
	}
	oldShapes := old.get("shapes")
	shapes := model.get("shapes")
	for i, name := range shapes.keys {
		s, oldS := shapes.vals[i], oldShapes.get(name)
		if oldS == nil || s.getStr("type") != oldS.getStr("type") {
			continue
		}
		copyTraits(s, oldS, overlayShapeTraits)
		if members := s.get("members"); members != nil {
			oldMembers := oldS.get("members")
			for j, m := range members.keys {
				copyTraits(members.vals[j], oldMembers.get(m), overlayMemberTraits)
			}
		}
		for _, k := range []string{"member", "key", "value"} {
			copyTraits(s.get(k), oldS.get(k), overlayRefTraits)
		}
	}
}

func mergeMetadata(md, old *node) {
	if md == nil || old == nil {
		return
	}
	copyTraits(md, old, []string{"xmlNamespace"})
	protos := md.get("protocols")
	if protos == nil {
		protos = &node{kind: 'a'}
		if p := md.get("protocol"); p != nil {
			protos.vals = append(protos.vals, p.clone())
		}
		md.set("protocols", protos)
	}
	for _, p := range protos.vals {
		if p.str() == "query" {
			return
		}
	}
	protos.vals = append(protos.vals, strNode("query"))
}

// copyTraits copies each of keys present in src and absent in dst.
func copyTraits(dst, src *node, keys []string) {
	if dst == nil || src == nil || dst.kind != 'o' || src.kind != 'o' {
		return
	}
	for _, k := range keys {
		if v := src.get(k); v != nil && !dst.has(k) {
			dst.set(k, v.clone())
		}
	}
}
