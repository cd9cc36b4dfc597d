package iam

import (
	"errors"
	"fmt"

	"github.com/nubo/nubo/internal/auth/policy"
)

// parseDocument parses a policy document of the given kind; an invalid one is
// a MalformedPolicyDocument error with the engine's AWS-worded reason.
func parseDocument(doc string, kind policy.Kind) (*policy.Policy, error) {
	p, err := policy.ParseWith([]byte(doc), policy.ParseOptions{Kind: kind})
	if err != nil {
		var me *policy.MalformedError
		if errors.As(err, &me) {
			return nil, malformedPolicy("%s", me.Reason)
		}
		return nil, fmt.Errorf("iam: parse policy: %w", err)
	}
	return p, nil
}

// parseIdentity parses an identity-based policy (managed or inline).
func parseIdentity(doc string) (*policy.Policy, error) { return parseDocument(doc, policy.Identity) }

// parseTrust parses a role trust policy.
func parseTrust(doc string) (*policy.Policy, error) { return parseDocument(doc, policy.Trust) }

// checkBoundary validates an optional permissions boundary: the ARN of an
// existing managed policy.
func (s *Service) checkBoundary(p *string) (string, error) {
	if p == nil {
		return "", nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	pol, _, err := s.findPolicy(*p)
	if err != nil {
		return "", invalidInput("Scope ARN: %s does not exist or is not attachable.", *p)
	}
	return pol.ARN, nil
}
