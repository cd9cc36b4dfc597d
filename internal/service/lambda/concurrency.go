package lambda

import (
	"context"
	"fmt"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
)

// minUnreserved is the part of the account's concurrency AWS keeps unreserved.
const minUnreserved = 100

// reservedTotal sums the reserved concurrency of every function but skip.
func (s *Service) reservedTotal(skip string) (int32, error) {
	var total int32
	err := s.fns.List("", "", 0, func(name string, fn functionRecord) bool {
		if name != skip && fn.Reserved != nil {
			total += *fn.Reserved
		}
		return true
	})
	return total, err
}

// PutFunctionConcurrency reserves concurrency for a function.
func (s *Service) PutFunctionConcurrency(ctx context.Context, in *lambdaapi.PutFunctionConcurrencyInput) (*lambdaapi.PutFunctionConcurrencyOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	var v validation
	if in.ReservedConcurrentExecutions == nil {
		v.add("reservedConcurrentExecutions", nil, "Member must not be null")
	}
	v.rangeInt("reservedConcurrentExecutions", in.ReservedConcurrentExecutions, 0, 1<<30)
	if err := v.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, err := s.loadFunction(ref.Name)
	if err != nil {
		return nil, err
	}
	others, err := s.reservedTotal(ref.Name)
	if err != nil {
		return nil, fmt.Errorf("lambda: reserved concurrency: %w", err)
	}
	if s.opts.AccountConcurrency-others-*in.ReservedConcurrentExecutions < minUnreserved {
		return nil, invalidParam("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [%d].", minUnreserved)
	}
	fn.Reserved = ptr(*in.ReservedConcurrentExecutions)
	if err := s.fns.Save(ref.Name, fn, true); err != nil {
		return nil, fmt.Errorf("lambda: put concurrency: %w", err)
	}
	return &lambdaapi.PutFunctionConcurrencyOutput{ReservedConcurrentExecutions: fn.Reserved}, nil
}

// GetFunctionConcurrency returns a function's reserved concurrency (absent when none).
func (s *Service) GetFunctionConcurrency(ctx context.Context, in *lambdaapi.GetFunctionConcurrencyInput) (*lambdaapi.GetFunctionConcurrencyOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	fn, err := s.loadFunction(ref.Name)
	if err != nil {
		return nil, err
	}
	return &lambdaapi.GetFunctionConcurrencyOutput{ReservedConcurrentExecutions: fn.Reserved}, nil
}

// DeleteFunctionConcurrency removes a function's reserved concurrency.
func (s *Service) DeleteFunctionConcurrency(ctx context.Context, in *lambdaapi.DeleteFunctionConcurrencyInput) (*lambdaapi.DeleteFunctionConcurrencyOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, err := s.loadFunction(ref.Name)
	if err != nil {
		return nil, err
	}
	fn.Reserved = nil
	if err := s.fns.Save(ref.Name, fn, true); err != nil {
		return nil, fmt.Errorf("lambda: delete concurrency: %w", err)
	}
	return &lambdaapi.DeleteFunctionConcurrencyOutput{}, nil
}

// GetAccountSettings returns the account's limits and usage.
func (s *Service) GetAccountSettings(ctx context.Context, in *lambdaapi.GetAccountSettingsInput) (*lambdaapi.GetAccountSettingsOutput, error) {
	var count, size int64
	var reserved int32
	err := s.fns.List("", "", 0, func(name string, fn functionRecord) bool {
		count++
		size += fn.Latest.CodeSize
		if fn.Reserved != nil {
			reserved += *fn.Reserved
		}
		_ = s.versions.List(name+"/", "", 0, func(_ string, c config) bool { size += c.CodeSize; return true })
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("lambda: account settings: %w", err)
	}
	return &lambdaapi.GetAccountSettingsOutput{
		AccountLimit: &lambdaapi.AccountLimit{
			TotalCodeSize: ptr(int64(80530636800)), CodeSizeUnzipped: ptr(int64(MaxUnzipped)),
			CodeSizeZipped: ptr(int64(MaxZippedDirect)), ConcurrentExecutions: ptr(s.opts.AccountConcurrency),
			UnreservedConcurrentExecutions: ptr(s.opts.AccountConcurrency - reserved),
		},
		AccountUsage: &lambdaapi.AccountUsage{TotalCodeSize: ptr(size), FunctionCount: ptr(count)},
	}, nil
}
