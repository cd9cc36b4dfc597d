package lambda

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/platform/store"
)

// UpdateFunctionCode replaces the code of $LATEST, optionally publishing a version.
func (s *Service) UpdateFunctionCode(ctx context.Context, in *lambdaapi.UpdateFunctionCodeInput) (*lambdaapi.UpdateFunctionCodeOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	if in.ImageUri == nil && in.ZipFile == nil && in.S3Bucket == nil && in.S3Key == nil {
		return nil, invalidParam("Please provide a source for function code.")
	}
	if _, err := s.loadFunction(ref.Name); err != nil {
		return nil, err
	}
	p := configPatch{Architectures: in.Architectures}
	if err := p.check(); err != nil {
		return nil, err
	}
	code, err := s.ingestCode(ctx, codeInput{ZipFile: in.ZipFile, S3Bucket: in.S3Bucket, S3Key: in.S3Key,
		S3Object: in.S3ObjectVersion, ImageURI: in.ImageUri, Operation: "UpdateFunctionCode"})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, err := s.loadFunction(ref.Name)
	if err != nil {
		return nil, err
	}
	if err := checkRevision(in.RevisionId, fn.Latest.RevisionID); err != nil {
		return nil, err
	}
	now := s.now(ctx)
	c := fn.Latest
	c.CodeSha256, c.CodeHex, c.CodeSize = code.Sha256, code.Hex, code.Size
	p.apply(&c)
	if deref(in.DryRun) {
		out := lambdaapi.UpdateFunctionCodeOutput(*toAPI(&c, view{ARN: s.functionARN(ref.Name), Now: now}))
		return &out, nil
	}
	c.LastModified, c.RevisionID, c.Updated = now, newRevisionID(), true
	c.UpdateReadyAt = now.Add(s.opts.StateSettle)
	fn.Latest = c
	shown, err := s.commitLatest(&fn, deref(in.Publish))
	if err != nil {
		return nil, err
	}
	out := lambdaapi.UpdateFunctionCodeOutput(*toAPI(&shown, view{ARN: s.qualifiedARN(ref.Name, shownQualifier(shown)), Updating: true, Now: now}))
	return &out, nil
}

func shownQualifier(c config) string {
	if c.Version == latest {
		return ""
	}
	return c.Version
}

// commitLatest stores fn (whose $LATEST changed), publishing a version when
// asked, retires warm $LATEST instances and returns the configuration to show.
func (s *Service) commitLatest(fn *functionRecord, publish bool) (config, error) {
	b := s.db.NewBatch()
	shown := fn.Latest
	if publish {
		shown = s.publishInto(b, fn, "")
	}
	if err := s.fns.Put(b, fn.Latest.Name, *fn); err != nil {
		return config{}, err
	}
	if err := b.Commit(true); err != nil {
		return config{}, fmt.Errorf("lambda: update function: %w", err)
	}
	s.retire(fn.Latest.Name, latest)
	return shown, nil
}

// retire tells the executor that warm instances of a version are stale.
func (s *Service) retire(name, version string) {
	if e := s.executor(); e != nil {
		e.Retire(s.functionARN(name), version)
	}
}

// UpdateFunctionConfiguration changes the configuration of $LATEST.
func (s *Service) UpdateFunctionConfiguration(ctx context.Context, in *lambdaapi.UpdateFunctionConfigurationInput) (*lambdaapi.UpdateFunctionConfigurationOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	p := configPatch{Runtime: in.Runtime, Role: in.Role, Handler: in.Handler, Description: in.Description,
		KMSKeyArn: in.KMSKeyArn, Timeout: in.Timeout, MemorySize: in.MemorySize, Env: in.Environment,
		DLQ: in.DeadLetterConfig, Tracing: in.TracingConfig, Logging: in.LoggingConfig, Vpc: in.VpcConfig,
		Layers: in.Layers, FileSystems: in.FileSystemConfigs}
	if in.EphemeralStorage != nil {
		p.Ephemeral = in.EphemeralStorage.Size
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	if _, err := s.loadFunction(ref.Name); err != nil {
		return nil, err
	}
	if err := p.semantic(); err != nil {
		return nil, err
	}
	if in.Handler != nil && *in.Handler == "" {
		return nil, invalidParam("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	if in.Role != nil {
		if err := s.checkRole(ctx, *in.Role); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, err := s.loadFunction(ref.Name)
	if err != nil {
		return nil, err
	}
	if err := checkRevision(in.RevisionId, fn.Latest.RevisionID); err != nil {
		return nil, err
	}
	now := s.now(ctx)
	p.apply(&fn.Latest)
	fn.Latest.LastModified, fn.Latest.RevisionID, fn.Latest.Updated = now, newRevisionID(), true
	fn.Latest.UpdateReadyAt = now.Add(s.opts.StateSettle)
	shown, err := s.commitLatest(&fn, false)
	if err != nil {
		return nil, err
	}
	out := lambdaapi.UpdateFunctionConfigurationOutput(*toAPI(&shown, view{ARN: s.functionARN(ref.Name), Updating: true, Now: now}))
	return &out, nil
}

// DeleteFunction deletes a function with all its versions and aliases, or
// one published version.
func (s *Service) DeleteFunction(ctx context.Context, in *lambdaapi.DeleteFunctionInput) (*lambdaapi.DeleteFunctionOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), true)
	if err != nil {
		return nil, err
	}
	q, err := resolveQualifier(ref, in.Qualifier)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, err := s.loadFunction(ref.Name)
	if err != nil {
		return nil, err
	}
	switch {
	case q == latest:
		return nil, invalidParam("$LATEST version cannot be deleted without deleting the function.")
	case q != "" && !isVersionNumber(q):
		return nil, invalidParam("Deletion of aliases is not supported.")
	case q != "":
		return &lambdaapi.DeleteFunctionOutput{}, s.deleteVersion(fn, q)
	}
	b := s.db.NewBatch()
	s.fns.Delete(b, ref.Name)
	var versions []string
	for _, t := range []string{s.versions.Prefix(), s.aliases.Prefix(), s.policies.Prefix(), s.eic.Prefix()} {
		start := []byte(t + ref.Name + "/")
		b.DeleteRange(start, store.PrefixEnd(start))
	}
	_ = s.versions.List(ref.Name+"/", "", 0, func(_ string, c config) bool {
		versions = append(versions, c.Version)
		return true
	})
	if err := b.Commit(true); err != nil {
		return nil, fmt.Errorf("lambda: delete function: %w", err)
	}
	s.retire(ref.Name, latest)
	for _, v := range versions {
		s.retire(ref.Name, v)
	}
	return &lambdaapi.DeleteFunctionOutput{}, nil
}

func (s *Service) deleteVersion(fn functionRecord, version string) error {
	name := fn.Latest.Name
	if _, err := s.versions.Get(versionKey(name, version)); err != nil {
		return notFound("Function not found: %s", s.qualifiedARN(name, version))
	}
	var refs []string
	_ = s.aliases.List(name+"/", "", 0, func(_ string, a aliasRecord) bool {
		if a.Version == version {
			refs = append(refs, a.Name)
		} else if _, ok := a.Weights[version]; ok {
			refs = append(refs, a.Name)
		}
		return true
	})
	if len(refs) > 0 {
		return conflict("Unable to delete version because the following aliases reference it: [%s]", strings.Join(refs, ", "))
	}
	b := s.db.NewBatch()
	s.versions.Delete(b, versionKey(name, version))
	s.policies.Delete(b, name+"/"+version)
	s.eic.Delete(b, name+"/"+version)
	if err := b.Commit(true); err != nil {
		return fmt.Errorf("lambda: delete version: %w", err)
	}
	s.retire(name, version)
	return nil
}

// listPage pages over sorted items with an opaque marker.
func pageBounds(marker *string, maxItems *int32, def int32) (after string, limit int, err error) {
	var v validation
	v.rangeInt("maxItems", maxItems, 1, 10000)
	if err := v.err(); err != nil {
		return "", 0, err
	}
	limit = int(def)
	if maxItems != nil {
		limit = int(*maxItems)
	}
	if m := deref(marker); m != "" {
		b, derr := base64.RawURLEncoding.DecodeString(m)
		if derr != nil {
			return "", 0, invalidParam("Invalid marker: %s", m)
		}
		after = string(b)
	}
	return after, limit, nil
}

func encodeMarker(key string) *string {
	return ptr(base64.RawURLEncoding.EncodeToString([]byte(key)))
}

// ListFunctions lists functions ($LATEST, or every version with FunctionVersion=ALL).
func (s *Service) ListFunctions(ctx context.Context, in *lambdaapi.ListFunctionsInput) (*lambdaapi.ListFunctionsOutput, error) {
	if fv := deref(in.FunctionVersion); fv != "" && fv != "ALL" {
		var v validation
		v.add("functionVersion", in.FunctionVersion, "Member must satisfy enum value set: [ALL]")
		return nil, v.err()
	}
	after, limit, err := pageBounds(in.Marker, in.MaxItems, 50)
	if err != nil {
		return nil, err
	}
	all := deref(in.FunctionVersion) == "ALL"
	now := s.now(ctx)
	out := &lambdaapi.ListFunctionsOutput{Functions: []lambdaapi.FunctionConfiguration{}}
	var last string
	var full bool
	err = s.fns.List("", "", 0, func(name string, fn functionRecord) bool {
		items := []config{fn.Latest}
		if all {
			_ = s.versions.List(name+"/", "", 0, func(_ string, c config) bool { items = append(items, c); return true })
		}
		for i := range items {
			key := name + "\x00" + fmt.Sprintf("%010d", i)
			if key <= after {
				continue
			}
			if len(out.Functions) == limit {
				full = true
				return false
			}
			arnStr := s.functionARN(name)
			if items[i].Version != latest {
				arnStr = s.qualifiedARN(name, items[i].Version)
			}
			out.Functions = append(out.Functions, *toAPI(&items[i], view{ARN: arnStr, Now: now}))
			last = key
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("lambda: list functions: %w", err)
	}
	if full {
		out.NextMarker = encodeMarker(last)
	}
	return out, nil
}
