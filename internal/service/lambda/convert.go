package lambda

import (
	"time"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
)

// lastModifiedFormat is how Lambda prints LastModified ("2026-03-01T12:00:00.000+0000").
const lastModifiedFormat = "2006-01-02T15:04:05.000-0700"

// view says how a configuration is shown.
type view struct {
	// ARN is the FunctionArn to report (qualified or not).
	ARN string
	// Creating and Updating force the transitional states of a create or
	// update response.
	Creating, Updating bool
	Now                time.Time
}

// toAPI renders c as a FunctionConfiguration.
func toAPI(c *config, v view) *lambdaapi.FunctionConfiguration {
	fc := &lambdaapi.FunctionConfiguration{
		FunctionName: ptr(c.Name), FunctionArn: ptr(v.ARN), Runtime: ptr(c.Runtime), Role: ptr(c.Role),
		Handler: ptr(c.Handler), CodeSize: ptr(c.CodeSize), Description: ptr(c.Description),
		Timeout: ptr(c.Timeout), MemorySize: ptr(c.MemorySize),
		LastModified: ptr(c.LastModified.UTC().Format(lastModifiedFormat)),
		CodeSha256:   ptr(c.CodeSha256), Version: ptr(c.Version), RevisionId: ptr(c.RevisionID),
		PackageType:      ptr("Zip"),
		Architectures:    c.Architectures,
		EphemeralStorage: &lambdaapi.EphemeralStorage{Size: ptr(c.EphemeralStorage)},
		TracingConfig:    &lambdaapi.TracingConfigResponse{Mode: ptr(c.TracingMode)},
		SnapStart:        &lambdaapi.SnapStartResponse{ApplyOn: ptr("None"), OptimizationStatus: ptr("Off")},
		LoggingConfig:    &lambdaapi.LoggingConfig{LogFormat: ptr(c.LogFormat), LogGroup: ptr(c.LogGroup)},
	}
	if c.Handler == "" {
		fc.Handler = nil
	}
	if c.AppLogLevel != "" {
		fc.LoggingConfig.ApplicationLogLevel = ptr(c.AppLogLevel)
	}
	if c.SystemLogLevel != "" {
		fc.LoggingConfig.SystemLogLevel = ptr(c.SystemLogLevel)
	}
	if len(c.Env) > 0 {
		fc.Environment = &lambdaapi.EnvironmentResponse{Variables: c.Env}
	}
	if c.DeadLetterTarget != "" {
		fc.DeadLetterConfig = &lambdaapi.DeadLetterConfig{TargetArn: ptr(c.DeadLetterTarget)}
	}
	if c.KMSKeyArn != "" {
		fc.KMSKeyArn = ptr(c.KMSKeyArn)
	}
	setStates(fc, c, v)
	return fc
}

func setStates(fc *lambdaapi.FunctionConfiguration, c *config, v view) {
	switch {
	case v.Creating || v.Now.Before(c.ReadyAt):
		fc.State, fc.StateReason, fc.StateReasonCode = ptr("Pending"), ptr("The function is being created."), ptr("Creating")
		return
	default:
		fc.State = ptr("Active")
	}
	if v.Updating || v.Now.Before(c.UpdateReadyAt) {
		fc.LastUpdateStatus = ptr("InProgress")
		fc.LastUpdateStatusReason = ptr("The function is being updated.")
		fc.LastUpdateStatusReasonCode = ptr("Updating")
		return
	}
	fc.LastUpdateStatus = ptr("Successful")
}

func aliasToAPI(a *aliasRecord, arnStr string) *lambdaapi.AliasConfiguration {
	out := &lambdaapi.AliasConfiguration{
		AliasArn: ptr(arnStr), Name: ptr(a.Name), FunctionVersion: ptr(a.Version),
		Description: ptr(a.Description), RevisionId: ptr(a.RevisionID),
	}
	if len(a.Weights) > 0 {
		out.RoutingConfig = &lambdaapi.AliasRoutingConfiguration{AdditionalVersionWeights: a.Weights}
	}
	return out
}
