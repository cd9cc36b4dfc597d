package policy

import "strings"

// fixedKeys are the condition keys (lowercased) whose fixed values S3 Block
// Public Access accepts as limiting a statement to known callers: the keys AWS
// lists in "The meaning of public", and the principal keys that name an
// account, an organization or an identity.
var fixedKeys = map[string]bool{
	"aws:sourceip":      true,
	"aws:sourcearn":     true,
	"aws:sourcevpc":     true,
	"aws:sourcevpce":    true,
	"aws:sourceowner":   true,
	"aws:sourceaccount": true,
	"aws:userid":        true,
	"s3:x-amz-server-side-encryption-aws-kms-key-id": true,
	"s3:dataaccesspointarn":                          true,
	"s3:dataaccesspointaccount":                      true,
	"aws:principalorgid":                             true,
	"aws:principalaccount":                           true,
	"aws:principalarn":                               true,
}

// IsPublic reports whether the policy grants public access as S3 Block Public
// Access judges a bucket policy: some Allow statement applies to every
// principal (Principal "*", {"AWS": "*"}, {"CanonicalUser": "*"} or any
// NotPrincipal) and none of its conditions limits the callers to fixed values
// of a key in fixedKeys, or to source IP ranges narrower than all addresses.
func (p *Policy) IsPublic() bool {
	for _, s := range p.Statements {
		if s.Effect == EffectAllow && s.everyPrincipal() && !s.limitsCallers() {
			return true
		}
	}
	return false
}

// everyPrincipal reports whether the statement's principal element covers
// callers that no one named, anonymous ones included.
func (s *Statement) everyPrincipal() bool {
	ps := s.principals
	if ps == nil {
		return false
	}
	if s.notPrincipal || ps.wildAll {
		return true
	}
	for _, t := range ps.wildType {
		if t == PrincipalCanonicalUser {
			return true
		}
	}
	return false
}

// limitsCallers reports whether one of the statement's conditions only
// passes for fixed values of a key that identifies the caller or its
// network. Negated operators, ForAllValues and IfExists pass for callers the
// key does not describe, so they limit nothing.
func (s *Statement) limitsCallers() bool {
	for _, c := range s.conditions {
		if c.negated || c.ifExists || c.set == setAll || !fixedKeys[strings.ToLower(c.key)] {
			continue
		}
		if c.fixed() {
			return true
		}
	}
	return false
}

// fixed reports whether every value of the condition is fixed: no policy
// variable, no wildcard where the operator matches patterns, and no address
// range covering every address.
func (c *condition) fixed() bool {
	switch c.fam {
	case famIP:
		for _, n := range c.nets {
			if n.Bits() == 0 {
				return false
			}
		}
		return len(c.nets) > 0
	case famString, famStringIC:
		return !c.hasVar && len(c.tmpls) > 0
	case famStringLike, famArn:
		if c.hasVar || len(c.tmpls) == 0 {
			return false
		}
		for _, t := range c.tmpls {
			if strings.ContainsAny(t.text, "*?") {
				return false
			}
		}
		return true
	}
	return false
}
