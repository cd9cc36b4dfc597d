package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/platform/arn"
)

var (
	sidRE       = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,100}$`)
	actionRE    = regexp.MustCompile(`^(lambda:[*]|lambda:[a-zA-Z]+|[*])$`)
	principalRE = regexp.MustCompile(`^[^\s]+$`)
)

// policyTarget is the function, version or alias a permission applies to.
type policyTarget struct {
	name, qualifier, key, arn, revision string
}

// target resolves the FunctionName/Qualifier of a permission operation.
func (s *Service) policyTarget(fnName, qualifier *string) (policyTarget, error) {
	r, q, err := s.lookup(fnName, qualifier)
	if err != nil {
		return policyTarget{}, err
	}
	t := policyTarget{name: r.cfg.Name, qualifier: q, key: r.cfg.Name + "/$", arn: s.qualifiedARN(r.cfg.Name, q),
		revision: r.fn.Latest.RevisionID}
	switch {
	case q == "" || q == latest:
	case r.alias != nil:
		t.key, t.revision = r.cfg.Name+"/"+q, r.alias.RevisionID
	default:
		t.key, t.revision = r.cfg.Name+"/"+q, r.cfg.RevisionID
	}
	return t, nil
}

func principalOf(p string) any {
	switch {
	case p == "*":
		return "*"
	case arn.IsAccountID(p):
		return map[string]string{"AWS": "arn:aws:iam::" + p + ":root"}
	case strings.HasPrefix(p, "arn:"):
		return map[string]string{"AWS": p}
	}
	return map[string]string{"Service": p}
}

func statementOf(in *lambdaapi.AddPermissionInput, resource string) policyStatement {
	st := policyStatement{Sid: *in.StatementId, Effect: "Allow", Principal: principalOf(*in.Principal),
		Action: *in.Action, Resource: resource}
	cond := map[string]any{}
	add := func(op, key, val string) {
		m, _ := cond[op].(map[string]string)
		if m == nil {
			m = map[string]string{}
			cond[op] = m
		}
		m[key] = val
	}
	if v := deref(in.SourceArn); v != "" {
		add("ArnLike", "AWS:SourceArn", v)
	}
	if v := deref(in.SourceAccount); v != "" {
		add("StringEquals", "AWS:SourceAccount", v)
	}
	if v := deref(in.PrincipalOrgID); v != "" {
		add("StringEquals", "aws:PrincipalOrgID", v)
	}
	if v := deref(in.EventSourceToken); v != "" {
		add("StringEquals", "lambda:EventSourceToken", v)
	}
	if v := deref(in.FunctionUrlAuthType); v != "" {
		add("StringEquals", "lambda:FunctionUrlAuthType", v)
	}
	if len(cond) > 0 {
		st.Condition = cond
	}
	return st
}

// AddPermission adds a statement to a function's resource-based policy.
func (s *Service) AddPermission(ctx context.Context, in *lambdaapi.AddPermissionInput) (*lambdaapi.AddPermissionOutput, error) {
	var v validation
	switch {
	case in.StatementId == nil:
		v.add("statementId", nil, "Member must not be null")
	case !sidRE.MatchString(*in.StatementId):
		v.add("statementId", in.StatementId, "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)")
	}
	switch {
	case in.Action == nil:
		v.add("action", nil, "Member must not be null")
	case !actionRE.MatchString(*in.Action):
		v.add("action", in.Action, "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])")
	}
	switch {
	case in.Principal == nil:
		v.add("principal", nil, "Member must not be null")
	case !principalRE.MatchString(*in.Principal):
		v.add("principal", in.Principal, `Member must satisfy regular expression pattern: [^\s]+`)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.policyTarget(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	if err := checkRevision(in.RevisionId, t.revision); err != nil {
		return nil, err
	}
	pol, _ := s.policies.Get(t.key)
	for _, st := range pol.Statements {
		if st.Sid == *in.StatementId {
			return nil, conflict("The statement id (%s) provided already exists. Please choose a unique statement id (sid) and try again.", st.Sid)
		}
	}
	st := statementOf(in, t.arn)
	pol.Statements = append(pol.Statements, st)
	b := s.db.NewBatch()
	if err := s.policies.Put(b, t.key, pol); err != nil {
		return nil, err
	}
	if err := s.bumpRevision(b, t); err != nil {
		return nil, err
	}
	if err := b.Commit(true); err != nil {
		return nil, fmt.Errorf("lambda: add permission: %w", err)
	}
	doc, _ := json.Marshal(st)
	return &lambdaapi.AddPermissionOutput{Statement: ptr(string(doc))}, nil
}

// bumpRevision gives the function or alias whose policy changed a new RevisionId.
func (s *Service) bumpRevision(b interface{ Set(k, v []byte) }, t policyTarget) error {
	switch {
	case t.qualifier == "" || t.qualifier == latest:
		fn, err := s.loadFunction(t.name)
		if err != nil {
			return err
		}
		fn.Latest.RevisionID = newRevisionID()
		return s.putFunction(b, fn)
	case !isVersionNumber(t.qualifier):
		a, err := s.loadAlias(t.name, t.qualifier)
		if err != nil {
			return err
		}
		a.RevisionID = newRevisionID()
		raw, err := json.Marshal(a)
		if err != nil {
			return err
		}
		b.Set([]byte(s.aliases.Prefix()+t.name+"/"+t.qualifier), raw)
	}
	return nil
}

func (s *Service) putFunction(b interface{ Set(k, v []byte) }, fn functionRecord) error {
	raw, err := json.Marshal(fn)
	if err != nil {
		return err
	}
	b.Set([]byte(s.fns.Prefix()+fn.Latest.Name), raw)
	return nil
}

// RemovePermission removes a statement from a function's policy.
func (s *Service) RemovePermission(ctx context.Context, in *lambdaapi.RemovePermissionInput) (*lambdaapi.RemovePermissionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.policyTarget(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	if err := checkRevision(in.RevisionId, t.revision); err != nil {
		return nil, err
	}
	pol, _ := s.policies.Get(t.key)
	kept := pol.Statements[:0]
	found := false
	for _, st := range pol.Statements {
		if st.Sid == deref(in.StatementId) {
			found = true
			continue
		}
		kept = append(kept, st)
	}
	if !found {
		return nil, notFound("Statement %s is not found in resource policy.", deref(in.StatementId))
	}
	b := s.db.NewBatch()
	if len(kept) == 0 {
		s.policies.Delete(b, t.key)
	} else if err := s.policies.Put(b, t.key, policyRecord{Statements: kept}); err != nil {
		return nil, err
	}
	if err := s.bumpRevision(b, t); err != nil {
		return nil, err
	}
	if err := b.Commit(true); err != nil {
		return nil, fmt.Errorf("lambda: remove permission: %w", err)
	}
	return &lambdaapi.RemovePermissionOutput{}, nil
}

// GetPolicy returns the resource-based policy document of a function, version or alias.
func (s *Service) GetPolicy(ctx context.Context, in *lambdaapi.GetPolicyInput) (*lambdaapi.GetPolicyOutput, error) {
	t, err := s.policyTarget(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	pol, err := s.policies.Get(t.key)
	if err != nil || len(pol.Statements) == 0 {
		return nil, notFound("The resource you requested does not exist.")
	}
	doc, err := json.Marshal(struct {
		Version   string            `json:"Version"`
		ID        string            `json:"Id"`
		Statement []policyStatement `json:"Statement"`
	}{"2012-10-17", "default", pol.Statements})
	if err != nil {
		return nil, fmt.Errorf("lambda: policy document: %w", err)
	}
	return &lambdaapi.GetPolicyOutput{Policy: ptr(string(doc)), RevisionId: ptr(t.revision)}, nil
}

// Policy returns the statements of the resource policy that applies to an
// invocation of name at qualifier, for the edge's authorization of
// cross-service callers ("" when the function has none).
func (s *Service) Policy(ctx context.Context, name, qualifier string) (string, error) {
	key := name + "/$"
	if qualifier != "" && qualifier != latest {
		key = name + "/" + qualifier
	}
	pol, err := s.policies.Get(key)
	if err != nil || len(pol.Statements) == 0 {
		return "", nil
	}
	doc, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": pol.Statements})
	return string(doc), err
}
