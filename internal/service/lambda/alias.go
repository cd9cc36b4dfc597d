package lambda

import (
	"context"
	"fmt"
	"regexp"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
)

var aliasVersionRE = regexp.MustCompile(`^(\$LATEST|[0-9]+)$`)

func (v *validation) aliasName(name *string) {
	switch {
	case name == nil:
		v.add("name", nil, "Member must not be null")
	case !validAliasName(*name):
		v.add("name", name, "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
	}
}

// checkAliasTarget validates an alias's version and routing weights.
func (s *Service) checkAliasTarget(fn functionRecord, version string, routing *lambdaapi.AliasRoutingConfiguration) error {
	var v validation
	if !aliasVersionRE.MatchString(version) {
		v.add("functionVersion", version, `Member must satisfy regular expression pattern: (\$LATEST|[0-9]+)`)
	}
	if routing != nil {
		for k, w := range routing.AdditionalVersionWeights {
			if w < 0 || w > 1 {
				v.add("routingConfig.additionalVersionWeights", w, "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]")
			}
			if !isVersionNumber(k) {
				v.add("routingConfig.additionalVersionWeights", k, "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]+]")
			}
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	if _, err := s.versionConfig(fn, version); err != nil {
		return err
	}
	if routing == nil || len(routing.AdditionalVersionWeights) == 0 {
		return nil
	}
	if len(routing.AdditionalVersionWeights) > 1 {
		return invalidParam("Number of items in AdditionalVersionWeights must be less than or equal to 1.")
	}
	if version == latest {
		return invalidParam("$LATEST is not supported for an alias pointing to more than 1 version")
	}
	for k := range routing.AdditionalVersionWeights {
		if k == version {
			return invalidParam("Invalid function version %s. Function version %s is already included in routing configuration.", k, k)
		}
		if _, err := s.versionConfig(fn, k); err != nil {
			return err
		}
	}
	return nil
}

// CreateAlias creates an alias for a version, with optional weighted routing.
func (s *Service) CreateAlias(ctx context.Context, in *lambdaapi.CreateAliasInput) (*lambdaapi.CreateAliasOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	var v validation
	v.aliasName(in.Name)
	if in.FunctionVersion == nil {
		v.add("functionVersion", nil, "Member must not be null")
	}
	v.maxLen("description", in.Description, 256)
	if err := v.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, err := s.loadFunction(ref.Name)
	if err != nil {
		return nil, err
	}
	if err := s.checkAliasTarget(fn, *in.FunctionVersion, in.RoutingConfig); err != nil {
		return nil, err
	}
	aliasARN := s.qualifiedARN(ref.Name, *in.Name)
	if _, err := s.aliases.Get(ref.Name + "/" + *in.Name); err == nil {
		return nil, conflict("Alias already exists: %s", aliasARN)
	}
	a := aliasRecord{Name: *in.Name, Function: ref.Name, Version: *in.FunctionVersion,
		Description: deref(in.Description), RevisionID: newRevisionID()}
	if in.RoutingConfig != nil && len(in.RoutingConfig.AdditionalVersionWeights) > 0 {
		a.Weights = in.RoutingConfig.AdditionalVersionWeights
	}
	if err := s.aliases.Save(ref.Name+"/"+a.Name, a, true); err != nil {
		return nil, fmt.Errorf("lambda: create alias: %w", err)
	}
	out := lambdaapi.CreateAliasOutput(*aliasToAPI(&a, aliasARN))
	return &out, nil
}

func (s *Service) loadAlias(function, name string) (aliasRecord, error) {
	a, err := s.aliases.Get(function + "/" + name)
	if err != nil {
		return a, notFound("Alias not found: %s", s.qualifiedARN(function, name))
	}
	return a, nil
}

// GetAlias returns an alias.
func (s *Service) GetAlias(ctx context.Context, in *lambdaapi.GetAliasInput) (*lambdaapi.GetAliasOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	var v validation
	v.aliasName(in.Name)
	if err := v.err(); err != nil {
		return nil, err
	}
	if _, err := s.loadFunction(ref.Name); err != nil {
		return nil, err
	}
	a, err := s.loadAlias(ref.Name, *in.Name)
	if err != nil {
		return nil, err
	}
	out := lambdaapi.GetAliasOutput(*aliasToAPI(&a, s.qualifiedARN(ref.Name, a.Name)))
	return &out, nil
}

// UpdateAlias changes an alias's version, description or routing.
func (s *Service) UpdateAlias(ctx context.Context, in *lambdaapi.UpdateAliasInput) (*lambdaapi.UpdateAliasOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	var v validation
	v.aliasName(in.Name)
	v.maxLen("description", in.Description, 256)
	if err := v.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, err := s.loadFunction(ref.Name)
	if err != nil {
		return nil, err
	}
	a, err := s.loadAlias(ref.Name, *in.Name)
	if err != nil {
		return nil, err
	}
	if err := checkRevision(in.RevisionId, a.RevisionID); err != nil {
		return nil, err
	}
	setIf(&a.Version, in.FunctionVersion)
	setIf(&a.Description, in.Description)
	routing := &lambdaapi.AliasRoutingConfiguration{AdditionalVersionWeights: a.Weights}
	if in.RoutingConfig != nil {
		routing = in.RoutingConfig
	}
	if err := s.checkAliasTarget(fn, a.Version, routing); err != nil {
		return nil, err
	}
	a.Weights = nil
	if len(routing.AdditionalVersionWeights) > 0 {
		a.Weights = routing.AdditionalVersionWeights
	}
	a.RevisionID = newRevisionID()
	if err := s.aliases.Save(ref.Name+"/"+a.Name, a, true); err != nil {
		return nil, fmt.Errorf("lambda: update alias: %w", err)
	}
	out := lambdaapi.UpdateAliasOutput(*aliasToAPI(&a, s.qualifiedARN(ref.Name, a.Name)))
	return &out, nil
}

// DeleteAlias deletes an alias.
func (s *Service) DeleteAlias(ctx context.Context, in *lambdaapi.DeleteAliasInput) (*lambdaapi.DeleteAliasOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	var v validation
	v.aliasName(in.Name)
	if err := v.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.loadFunction(ref.Name); err != nil {
		return nil, err
	}
	if _, err := s.loadAlias(ref.Name, *in.Name); err != nil {
		return nil, err
	}
	b := s.db.NewBatch()
	s.aliases.Delete(b, ref.Name+"/"+*in.Name)
	s.policies.Delete(b, ref.Name+"/"+*in.Name)
	s.eic.Delete(b, ref.Name+"/"+*in.Name)
	if err := b.Commit(true); err != nil {
		return nil, fmt.Errorf("lambda: delete alias: %w", err)
	}
	return &lambdaapi.DeleteAliasOutput{}, nil
}

// ListAliases lists a function's aliases, optionally those of one version.
func (s *Service) ListAliases(ctx context.Context, in *lambdaapi.ListAliasesInput) (*lambdaapi.ListAliasesOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	after, limit, err := pageBounds(in.Marker, in.MaxItems, 50)
	if err != nil {
		return nil, err
	}
	if _, err := s.loadFunction(ref.Name); err != nil {
		return nil, err
	}
	out := &lambdaapi.ListAliasesOutput{Aliases: []lambdaapi.AliasConfiguration{}}
	var last string
	err = s.aliases.List(ref.Name+"/", ref.Name+"/"+after, 0, func(key string, a aliasRecord) bool {
		if in.FunctionVersion != nil && a.Version != *in.FunctionVersion {
			return true
		}
		if len(out.Aliases) == limit {
			out.NextMarker = encodeMarker(last)
			return false
		}
		out.Aliases = append(out.Aliases, *aliasToAPI(&a, s.qualifiedARN(ref.Name, a.Name)))
		last = a.Name
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("lambda: list aliases: %w", err)
	}
	return out, nil
}

// pickVersion chooses the version an alias invocation runs: the additional
// version with its weight's probability (crypto/rand), else the primary.
func pickVersion(a *aliasRecord, random func() float64) string {
	for k, w := range a.Weights {
		if random() < w {
			return k
		}
	}
	return a.Version
}
