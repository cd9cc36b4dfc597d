package lambda

import (
	"context"
	"fmt"
	"strings"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
)

// Defaults of asynchronous invocation.
const (
	defaultMaxRetry = 2
	defaultMaxAge   = 21600
)

// eicTarget resolves the function and qualifier of an event invoke config.
func (s *Service) eicTarget(fnName, qualifier *string) (name, q string, err error) {
	r, q, err := s.lookup(fnName, qualifier)
	if err != nil {
		return "", "", err
	}
	if q == "" {
		q = latest
	}
	return r.cfg.Name, q, nil
}

func (s *Service) checkEventInvoke(name string, retry, age *int32, dc *lambdaapi.DestinationConfig) error {
	var v validation
	v.rangeInt("maximumRetryAttempts", retry, 0, 2)
	v.rangeInt("maximumEventAgeInSeconds", age, 60, 21600)
	if err := v.err(); err != nil {
		return err
	}
	if dc == nil {
		return nil
	}
	check := func(dest *string, failure bool) error {
		d := deref(dest)
		if d == "" {
			return nil
		}
		ok := strings.HasPrefix(d, "arn:aws:sqs:") || strings.HasPrefix(d, "arn:aws:sns:") ||
			strings.HasPrefix(d, "arn:aws:lambda:") || strings.HasPrefix(d, "arn:aws:events:") ||
			(failure && strings.HasPrefix(d, "arn:aws:s3:::"))
		if !ok {
			return invalidParam("The provided destination config DestinationConfig is invalid. Destination ARN %s is not supported.", d)
		}
		if ref, err := s.parseFunctionRef("destination", d, true); err == nil && strings.HasPrefix(d, "arn:aws:lambda:") && ref.Name == name {
			return invalidParam("You can't specify the function as a direct destination for itself.")
		}
		return nil
	}
	if dc.OnSuccess != nil {
		if err := check(dc.OnSuccess.Destination, false); err != nil {
			return err
		}
	}
	if dc.OnFailure != nil {
		return check(dc.OnFailure.Destination, true)
	}
	return nil
}

func (s *Service) eicToAPI(name string, r eventInvokeRecord) *lambdaapi.FunctionEventInvokeConfig {
	out := &lambdaapi.FunctionEventInvokeConfig{
		LastModified: ptr(r.LastModified), FunctionArn: ptr(s.qualifiedARN(name, r.Qualifier)),
		MaximumRetryAttempts: r.MaxRetry, MaximumEventAgeInSeconds: r.MaxAge,
		DestinationConfig: &lambdaapi.DestinationConfig{OnSuccess: &lambdaapi.OnSuccess{}, OnFailure: &lambdaapi.OnFailure{}},
	}
	if r.OnSuccess != "" {
		out.DestinationConfig.OnSuccess.Destination = ptr(r.OnSuccess)
	}
	if r.OnFailure != "" {
		out.DestinationConfig.OnFailure.Destination = ptr(r.OnFailure)
	}
	return out
}

type eicChange struct {
	fn, qualifier *string
	retry, age    *int32
	dc            *lambdaapi.DestinationConfig
	merge         bool
}

// putEventInvoke creates or replaces (merge=false) or updates (merge=true) a config.
func (s *Service) putEventInvoke(ctx context.Context, c eicChange) (*lambdaapi.FunctionEventInvokeConfig, error) {
	name, q, err := s.eicTarget(c.fn, c.qualifier)
	if err != nil {
		return nil, err
	}
	if err := s.checkEventInvoke(name, c.retry, c.age, c.dc); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := eventInvokeRecord{Qualifier: q}
	if c.merge {
		old, err := s.eic.Get(name + "/" + q)
		if err != nil {
			return nil, notFound("The function %s doesn't have an EventInvokeConfig", s.qualifiedARN(name, q))
		}
		rec = old
	}
	if c.retry != nil || !c.merge {
		rec.MaxRetry = c.retry
	}
	if c.age != nil || !c.merge {
		rec.MaxAge = c.age
	}
	if c.dc != nil || !c.merge {
		rec.OnSuccess, rec.OnFailure = "", ""
		if c.dc != nil && c.dc.OnSuccess != nil {
			rec.OnSuccess = deref(c.dc.OnSuccess.Destination)
		}
		if c.dc != nil && c.dc.OnFailure != nil {
			rec.OnFailure = deref(c.dc.OnFailure.Destination)
		}
	}
	rec.LastModified = s.now(ctx)
	if err := s.eic.Save(name+"/"+q, rec, true); err != nil {
		return nil, fmt.Errorf("lambda: event invoke config: %w", err)
	}
	return s.eicToAPI(name, rec), nil
}

// PutFunctionEventInvokeConfig sets (replaces) the asynchronous invocation config.
func (s *Service) PutFunctionEventInvokeConfig(ctx context.Context, in *lambdaapi.PutFunctionEventInvokeConfigInput) (*lambdaapi.PutFunctionEventInvokeConfigOutput, error) {
	out, err := s.putEventInvoke(ctx, eicChange{fn: in.FunctionName, qualifier: in.Qualifier, retry: in.MaximumRetryAttempts,
		age: in.MaximumEventAgeInSeconds, dc: in.DestinationConfig})
	if err != nil {
		return nil, err
	}
	o := lambdaapi.PutFunctionEventInvokeConfigOutput(*out)
	return &o, nil
}

// UpdateFunctionEventInvokeConfig changes the given members of an existing config.
func (s *Service) UpdateFunctionEventInvokeConfig(ctx context.Context, in *lambdaapi.UpdateFunctionEventInvokeConfigInput) (*lambdaapi.UpdateFunctionEventInvokeConfigOutput, error) {
	out, err := s.putEventInvoke(ctx, eicChange{fn: in.FunctionName, qualifier: in.Qualifier, retry: in.MaximumRetryAttempts,
		age: in.MaximumEventAgeInSeconds, dc: in.DestinationConfig, merge: true})
	if err != nil {
		return nil, err
	}
	o := lambdaapi.UpdateFunctionEventInvokeConfigOutput(*out)
	return &o, nil
}

// GetFunctionEventInvokeConfig returns the asynchronous invocation config.
func (s *Service) GetFunctionEventInvokeConfig(ctx context.Context, in *lambdaapi.GetFunctionEventInvokeConfigInput) (*lambdaapi.GetFunctionEventInvokeConfigOutput, error) {
	name, q, err := s.eicTarget(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	rec, err := s.eic.Get(name + "/" + q)
	if err != nil {
		return nil, notFound("The function %s doesn't have an EventInvokeConfig", s.qualifiedARN(name, q))
	}
	o := lambdaapi.GetFunctionEventInvokeConfigOutput(*s.eicToAPI(name, rec))
	return &o, nil
}

// DeleteFunctionEventInvokeConfig deletes the asynchronous invocation config.
func (s *Service) DeleteFunctionEventInvokeConfig(ctx context.Context, in *lambdaapi.DeleteFunctionEventInvokeConfigInput) (*lambdaapi.DeleteFunctionEventInvokeConfigOutput, error) {
	name, q, err := s.eicTarget(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.eic.Get(name + "/" + q); err != nil {
		return nil, notFound("The function %s doesn't have an EventInvokeConfig", s.qualifiedARN(name, q))
	}
	b := s.db.NewBatch()
	s.eic.Delete(b, name+"/"+q)
	if err := b.Commit(true); err != nil {
		return nil, fmt.Errorf("lambda: delete event invoke config: %w", err)
	}
	return &lambdaapi.DeleteFunctionEventInvokeConfigOutput{}, nil
}

// ListFunctionEventInvokeConfigs lists a function's asynchronous invocation configs.
func (s *Service) ListFunctionEventInvokeConfigs(ctx context.Context, in *lambdaapi.ListFunctionEventInvokeConfigsInput) (*lambdaapi.ListFunctionEventInvokeConfigsOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	var v validation
	v.rangeInt("maxItems", in.MaxItems, 1, 50)
	if err := v.err(); err != nil {
		return nil, err
	}
	after, limit, err := pageBounds(in.Marker, in.MaxItems, 50)
	if err != nil {
		return nil, err
	}
	if _, err := s.loadFunction(ref.Name); err != nil {
		return nil, err
	}
	out := &lambdaapi.ListFunctionEventInvokeConfigsOutput{FunctionEventInvokeConfigs: []lambdaapi.FunctionEventInvokeConfig{}}
	var last string
	err = s.eic.List(ref.Name+"/", ref.Name+"/"+after, 0, func(_ string, r eventInvokeRecord) bool {
		if len(out.FunctionEventInvokeConfigs) == limit {
			out.NextMarker = encodeMarker(last)
			return false
		}
		out.FunctionEventInvokeConfigs = append(out.FunctionEventInvokeConfigs, *s.eicToAPI(ref.Name, r))
		last = r.Qualifier
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("lambda: list event invoke configs: %w", err)
	}
	return out, nil
}

// eventInvokeFor returns the effective async settings of name at qualifier:
// the qualifier's own config, else none (AWS does not fall back).
func (s *Service) eventInvokeFor(name, qualifier string) (retry, age int, onSuccess, onFailure string) {
	if qualifier == "" {
		qualifier = latest
	}
	retry, age = defaultMaxRetry, defaultMaxAge
	rec, err := s.eic.Get(name + "/" + qualifier)
	if err != nil {
		return retry, age, "", ""
	}
	if rec.MaxRetry != nil {
		retry = int(*rec.MaxRetry)
	}
	if rec.MaxAge != nil {
		age = int(*rec.MaxAge)
	}
	return retry, age, rec.OnSuccess, rec.OnFailure
}
