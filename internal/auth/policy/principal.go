package policy

import (
	"encoding/json"
	"strings"
)

// Principal types accepted in a Principal or NotPrincipal element.
const (
	PrincipalAWS           = "AWS"
	PrincipalService       = "Service"
	PrincipalFederated     = "Federated"
	PrincipalCanonicalUser = "CanonicalUser"
)

// principalSet is a compiled Principal or NotPrincipal element. Entries are
// canonical identity strings (see canonicalAWS and callerIdentities).
type principalSet struct {
	wildAll  bool     // "*" or {"AWS": "*"}: every caller, anonymous included
	wildType []string // types with a "*" entry, e.g. {"Service": "*"}
	ids      []string
}

// identity is one of the identities AWS checks for a caller: the canonical
// string prefix+id (kept apart to avoid building strings per request). A role
// entry also covers the role's sessions, so a session identity carries its
// role's canonical form as alt.
type identity struct {
	prefix string
	id     string
	alt    string
}

// is reports whether x is the identity's canonical form.
func (i identity) is(x string) bool {
	return len(x) == len(i.prefix)+len(i.id) && strings.HasPrefix(x, i.prefix) && strings.HasSuffix(x, i.id)
}

// covered reports whether one caller identity is listed.
func (ps *principalSet) covered(id identity, typ string) bool {
	if ps.wildAll {
		return true
	}
	for _, t := range ps.wildType {
		if t == typ {
			return true
		}
	}
	for _, x := range ps.ids {
		if id.is(x) || (id.alt != "" && x == id.alt) {
			return true
		}
	}
	return false
}

// applies reports whether a statement with this principal element applies to a
// caller with the given identities. Principal applies when any identity is
// listed; NotPrincipal applies unless every identity is listed.
func (ps *principalSet) applies(ids []identity, typ string, not bool) bool {
	for _, id := range ids {
		c := ps.covered(id, typ)
		if !not && c {
			return true
		}
		if not && !c {
			return true
		}
	}
	return false
}

// parsePrincipal compiles a Principal or NotPrincipal value: "*" or an object
// mapping principal types to a string or an array of strings.
func parsePrincipal(raw json.RawMessage) (*principalSet, error) {
	var star string
	if err := json.Unmarshal(raw, &star); err == nil {
		if star != "*" {
			return nil, malformed("Invalid principal in policy: %q", star)
		}
		return &principalSet{wildAll: true}, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || len(obj) == 0 {
		return nil, malformed("Invalid principal in policy")
	}
	ps := &principalSet{}
	for typ, v := range obj {
		vals, err := stringOrList(v)
		if err != nil || len(vals) == 0 {
			return nil, malformed("Invalid principal in policy: %q", typ)
		}
		for _, val := range vals {
			if err := ps.add(typ, val); err != nil {
				return nil, err
			}
		}
	}
	return ps, nil
}

func (ps *principalSet) add(typ, val string) error {
	bad := malformed("Invalid principal in policy: %q:%q", typ, val)
	if val == "*" {
		if typ == PrincipalAWS {
			ps.wildAll = true // AWS documents {"AWS":"*"} as equivalent to "*".
		} else {
			ps.wildType = append(ps.wildType, typ)
		}
		return nil
	}
	if val == "" || strings.ContainsAny(val, "*? \t\n") {
		return bad
	}
	switch typ {
	case PrincipalAWS:
		id, ok := canonicalAWS(val)
		if !ok {
			return bad
		}
		ps.ids = append(ps.ids, id)
	case PrincipalService:
		ps.ids = append(ps.ids, "svc:"+strings.ToLower(val))
	case PrincipalFederated:
		ps.ids = append(ps.ids, "fed:"+val)
	case PrincipalCanonicalUser:
		ps.ids = append(ps.ids, "cu:"+val)
	default:
		return bad
	}
	return nil
}

// canonicalAWS maps an AWS principal entry to its canonical identity: accounts
// (12-digit id or root ARN) to "acct:<id>", role ARNs (with any path) to the
// assumed-role ARN prefix "arn:<partition>:sts::<account>:assumed-role/<name>"
// shared by the role's sessions, and user, assumed-role and federated-user
// ARNs to themselves.
func canonicalAWS(v string) (string, bool) {
	if isAccountID(v) {
		return "acct:" + v, true
	}
	a, ok := splitARN(v)
	if !ok || a.region != "" || !isAccountID(a.account) {
		return "", false
	}
	switch {
	case a.service == "iam" && a.resource == "root":
		return "acct:" + a.account, true
	case a.service == "iam" && strings.HasPrefix(a.resource, "user/") && len(a.resource) > 5:
		return v, true
	case a.service == "iam" && strings.HasPrefix(a.resource, "role/") && len(a.resource) > 5:
		name := a.resource[strings.LastIndexByte(a.resource, '/')+1:]
		if name == "" {
			return "", false
		}
		return roleID(a.partition, a.account, name), true
	case a.service == "sts" && strings.HasPrefix(a.resource, "assumed-role/"):
		return v, strings.Count(a.resource, "/") >= 2
	case a.service == "sts" && strings.HasPrefix(a.resource, "federated-user/"):
		return v, len(a.resource) > len("federated-user/")
	}
	return "", false
}

func roleID(partition, account, name string) string {
	return "arn:" + partition + ":sts::" + account + ":assumed-role/" + name
}

// callerIdentities appends every identity AWS checks for the caller to buf,
// and returns the caller's principal type.
func callerIdentities(r *Request, buf []identity) ([]identity, string) {
	p := r.Principal
	if p.Anonymous() {
		return append(buf, identity{prefix: "anonymous"}), "*"
	}
	switch p.Type {
	case PrincipalService:
		return append(buf, identity{prefix: "svc:", id: strings.ToLower(p.ID)}), p.Type
	case PrincipalFederated:
		return append(buf, identity{prefix: "fed:", id: p.ID}), p.Type
	case PrincipalCanonicalUser:
		return append(buf, identity{prefix: "cu:", id: p.ID}), p.Type
	case PrincipalAWS:
		return awsIdentities(buf, p.ID, r.PrincipalAccount), p.Type
	}
	return append(buf, identity{prefix: "other:", id: p.Type + ":" + p.ID}), p.Type
}

// awsIdentities appends the account, role and session (or user) identities of
// an AWS principal, the way AWS checks them for NotPrincipal.
func awsIdentities(ids []identity, id, account string) []identity {
	if isAccountID(id) {
		if account == "" {
			account = id
		}
		return append(ids, identity{prefix: "acct:", id: account})
	}
	a, ok := splitARN(id)
	if ok && account == "" {
		account = a.account
	}
	switch {
	case ok && a.service == "iam" && a.resource == "root":
	case ok && a.service == "iam" && strings.HasPrefix(a.resource, "role/"):
		ids = append(ids, identity{id: roleID(a.partition, a.account, a.resource[strings.LastIndexByte(a.resource, '/')+1:])})
	case ok && a.service == "sts" && strings.HasPrefix(a.resource, "assumed-role/"):
		role := id
		if i := strings.LastIndexByte(a.resource, '/'); i > len("assumed-role/") {
			role = id[:len(id)-len(a.resource)+i]
		}
		ids = append(ids, identity{id: role}, identity{id: id, alt: role})
	default:
		ids = append(ids, identity{id: id})
	}
	if account != "" {
		ids = append(ids, identity{prefix: "acct:", id: account})
	}
	return ids
}

type arnParts struct {
	partition, service, region, account, resource string
}

// splitARN splits "arn:partition:service:region:account:resource".
func splitARN(s string) (arnParts, bool) {
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return arnParts{}, false
	}
	var f [4]string
	for i := range f {
		if f[i], rest, ok = strings.Cut(rest, ":"); !ok {
			return arnParts{}, false
		}
	}
	if f[0] == "" || f[1] == "" || rest == "" {
		return arnParts{}, false
	}
	return arnParts{partition: f[0], service: f[1], region: f[2], account: f[3], resource: rest}, true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
