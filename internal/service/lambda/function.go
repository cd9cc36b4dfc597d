package lambda

import (
	"context"
	"errors"
	"fmt"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/platform/store"
)

// loadFunction returns the function record of name or AWS's not-found error.
func (s *Service) loadFunction(name string) (functionRecord, error) {
	f, err := s.fns.Get(name)
	if errors.Is(err, store.ErrNotFound) {
		return f, notFound("Function not found: %s", s.functionARN(name))
	}
	if err != nil {
		return f, fmt.Errorf("lambda: load function %s: %w", name, err)
	}
	return f, nil
}

// resolved is a configuration reached through a qualifier.
type resolved struct {
	fn    functionRecord
	cfg   config
	alias *aliasRecord // set when the qualifier is an alias
}

// resolve returns the configuration of name at qualifier ("" or $LATEST, a
// version number or an alias name).
func (s *Service) resolve(name, qualifier string) (resolved, error) {
	fn, err := s.loadFunction(name)
	if err != nil {
		return resolved{}, err
	}
	switch {
	case qualifier == "" || qualifier == latest:
		return resolved{fn: fn, cfg: fn.Latest}, nil
	case isVersionNumber(qualifier):
		c, err := s.versions.Get(versionKey(name, qualifier))
		if err != nil {
			return resolved{}, notFound("Function not found: %s", s.qualifiedARN(name, qualifier))
		}
		return resolved{fn: fn, cfg: c}, nil
	}
	a, err := s.aliases.Get(name + "/" + qualifier)
	if err != nil {
		return resolved{}, notFound("Function not found: %s", s.qualifiedARN(name, qualifier))
	}
	c, err := s.versionConfig(fn, a.Version)
	if err != nil {
		return resolved{}, err
	}
	return resolved{fn: fn, cfg: c, alias: &a}, nil
}

// versionConfig returns the configuration of version ($LATEST or a number).
func (s *Service) versionConfig(fn functionRecord, version string) (config, error) {
	if version == latest {
		return fn.Latest, nil
	}
	c, err := s.versions.Get(versionKey(fn.Latest.Name, version))
	if err != nil {
		return c, notFound("Function not found: %s", s.qualifiedARN(fn.Latest.Name, version))
	}
	return c, nil
}

func checkRevision(given *string, current string) error {
	if given != nil && *given != current {
		return preconditionFailed()
	}
	return nil
}

// CreateFunction creates a function from a .zip package.
func (s *Service) CreateFunction(ctx context.Context, in *lambdaapi.CreateFunctionInput) (*lambdaapi.CreateFunctionOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	p := configPatch{Runtime: in.Runtime, Role: in.Role, Handler: in.Handler, Description: in.Description,
		KMSKeyArn: in.KMSKeyArn, Timeout: in.Timeout, MemorySize: in.MemorySize, Env: in.Environment,
		DLQ: in.DeadLetterConfig, Tracing: in.TracingConfig, Logging: in.LoggingConfig, Vpc: in.VpcConfig,
		Layers: in.Layers, Architectures: in.Architectures, FileSystems: in.FileSystemConfigs}
	if in.EphemeralStorage != nil {
		p.Ephemeral = in.EphemeralStorage.Size
	}
	if err := checkCreateInput(in, &p); err != nil {
		return nil, err
	}
	if err := s.checkRole(ctx, *in.Role); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if _, err := s.fns.Get(ref.Name); err == nil {
		return nil, conflict("Function already exist: %s", ref.Name)
	}
	code, err := s.ingestCode(ctx, codeInput{ZipFile: in.Code.ZipFile, S3Bucket: in.Code.S3Bucket, S3Key: in.Code.S3Key,
		S3Object: in.Code.S3ObjectVersion, ImageURI: in.Code.ImageUri, Operation: "CreateFunction"})
	if err != nil {
		return nil, err
	}
	now := s.now(ctx)
	c := config{Name: ref.Name, Version: latest, Timeout: 3, MemorySize: 128, EphemeralStorage: 512,
		Architectures: []string{"x86_64"}, TracingMode: "PassThrough", LogFormat: "Text",
		LogGroup: "/aws/lambda/" + ref.Name, LastModified: now, RevisionID: newRevisionID(),
		CodeSha256: code.Sha256, CodeHex: code.Hex, CodeSize: code.Size,
		ReadyAt: now.Add(s.opts.StateSettle), UpdateReadyAt: now.Add(s.opts.StateSettle)}
	p.apply(&c)
	fn := functionRecord{Latest: c, Tags: in.Tags, Created: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.fns.Get(ref.Name); err == nil {
		return nil, conflict("Function already exist: %s", ref.Name)
	}
	b := s.db.NewBatch()
	shown, arnStr := c, s.functionARN(ref.Name)
	if deref(in.Publish) {
		shown = s.publishInto(b, &fn, "")
		arnStr = s.qualifiedARN(ref.Name, shown.Version)
	}
	if err := s.fns.Put(b, ref.Name, fn); err != nil {
		return nil, err
	}
	if err := b.Commit(true); err != nil {
		return nil, fmt.Errorf("lambda: create function: %w", err)
	}
	out := lambdaapi.CreateFunctionOutput(*toAPI(&shown, view{ARN: arnStr, Creating: true, Now: now}))
	return &out, nil
}

func checkCreateInput(in *lambdaapi.CreateFunctionInput, p *configPatch) error {
	var v validation
	if in.Role == nil {
		v.add("role", nil, "Member must not be null")
	}
	if in.Code == nil {
		v.add("code", nil, "Member must not be null")
	}
	if in.PackageType != nil && *in.PackageType != "Zip" && *in.PackageType != "Image" {
		v.add("packageType", in.PackageType, "Member must satisfy enum value set: [Image, Zip]")
	}
	if err := v.err(); err != nil {
		return err
	}
	if err := p.check(); err != nil {
		return err
	}
	if deref(in.PackageType) == "Image" {
		return invalidParam("Nubo does not support container image functions (PackageType Image); use a .zip file archive.")
	}
	if deref(in.Runtime) == "" || deref(in.Handler) == "" {
		return invalidParam("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	return p.semantic()
}

// GetFunction returns a function's configuration, code location, tags and
// reserved concurrency.
func (s *Service) GetFunction(ctx context.Context, in *lambdaapi.GetFunctionInput) (*lambdaapi.GetFunctionOutput, error) {
	r, q, err := s.lookup(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	out := &lambdaapi.GetFunctionOutput{
		Configuration: toAPI(&r.cfg, view{ARN: s.qualifiedARN(r.cfg.Name, q), Now: s.now(ctx)}),
		Code:          &lambdaapi.FunctionCodeLocation{RepositoryType: ptr("S3"), Location: ptr(s.codeLocation(ctx, r.cfg.CodeHex))},
	}
	if len(r.fn.Tags) > 0 {
		out.Tags = r.fn.Tags
	}
	if r.fn.Reserved != nil {
		out.Concurrency = &lambdaapi.Concurrency{ReservedConcurrentExecutions: r.fn.Reserved}
	}
	return out, nil
}

// lookup parses a FunctionName/Qualifier pair and resolves it.
func (s *Service) lookup(name, qualifier *string) (resolved, string, error) {
	ref, err := s.parseFunctionRef("functionName", deref(name), true)
	if err != nil {
		return resolved{}, "", err
	}
	q, err := resolveQualifier(ref, qualifier)
	if err != nil {
		return resolved{}, "", err
	}
	r, err := s.resolve(ref.Name, q)
	return r, q, err
}

// GetFunctionConfiguration returns a function's (or version's or alias's) configuration.
func (s *Service) GetFunctionConfiguration(ctx context.Context, in *lambdaapi.GetFunctionConfigurationInput) (*lambdaapi.GetFunctionConfigurationOutput, error) {
	r, q, err := s.lookup(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	out := lambdaapi.GetFunctionConfigurationOutput(*toAPI(&r.cfg, view{ARN: s.qualifiedARN(r.cfg.Name, q), Now: s.now(ctx)}))
	return &out, nil
}
