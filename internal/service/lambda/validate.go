package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/nubo/nubo/internal/auth/policy"
	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
)

// Runtimes are the runtimes Nubo runs: Python on the host's interpreter and
// the OS-only runtimes that start the package's bootstrap executable.
var Runtimes = []string{
	"python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
	"provided", "provided.al2", "provided.al2023",
}

// awsOnlyRuntimes are runtimes AWS offers that Nubo does not run.
var awsOnlyRuntimes = []string{
	"python3.14", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x", "java8.al2", "java11", "java17",
	"java21", "java25", "dotnet6", "dotnet8", "dotnet10", "ruby3.2", "ruby3.3", "ruby3.4",
}

// deprecatedRuntimes are runtimes AWS no longer accepts for creates and
// updates, with the replacement AWS's message recommends.
var deprecatedRuntimes = map[string]string{
	"python2.7": "python3.13", "python3.6": "python3.13", "python3.7": "python3.13",
	"go1.x": "provided.al2023", "nodejs": "nodejs22.x", "nodejs4.3": "nodejs22.x", "nodejs6.10": "nodejs22.x",
	"nodejs8.10": "nodejs22.x", "nodejs10.x": "nodejs22.x", "nodejs12.x": "nodejs22.x", "nodejs14.x": "nodejs22.x",
	"nodejs16.x": "nodejs22.x", "java8": "java21", "dotnetcore1.0": "dotnet8", "dotnetcore2.0": "dotnet8",
	"dotnetcore2.1": "dotnet8", "dotnetcore3.1": "dotnet8", "ruby2.5": "ruby3.4", "ruby2.7": "ruby3.4",
}

// reservedEnv are the environment variables Lambda sets itself.
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true, "AWS_LAMBDA_LOG_GROUP_NAME": true,
	"AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true, "AWS_ACCESS_KEY_ID": true,
	"AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true, "AWS_LAMBDA_RUNTIME_API": true,
	"LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

var (
	handlerRE = regexp.MustCompile(`^[^\s]+$`)
	roleRE    = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
	envKeyRE  = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9_])+$`)
)

// configPatch holds the configuration members of CreateFunction and
// UpdateFunctionConfiguration; nil means "not given".
type configPatch struct {
	Runtime, Role, Handler, Description, KMSKeyArn *string
	Timeout, MemorySize, Ephemeral                 *int32
	Env                                            *lambdaapi.Environment
	DLQ                                            *lambdaapi.DeadLetterConfig
	Tracing                                        *lambdaapi.TracingConfig
	Logging                                        *lambdaapi.LoggingConfig
	Vpc                                            *lambdaapi.VpcConfig
	Layers, Architectures                          []string
	FileSystems                                    []lambdaapi.FileSystemConfig
}

// check validates the members' formats (ValidationException).
func (p *configPatch) check() error {
	var v validation
	if p.Runtime != nil && !knownRuntime(*p.Runtime) {
		v.add("runtime", p.Runtime, "Member must satisfy enum value set: ["+strings.Join(allRuntimes(), ", ")+"] or be a valid ARN")
	}
	if p.Role != nil && !roleRE.MatchString(*p.Role) {
		v.add("role", p.Role, `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`)
	}
	if p.Handler != nil && !handlerRE.MatchString(*p.Handler) {
		v.add("handler", p.Handler, `Member must satisfy regular expression pattern: [^\s]+`)
	}
	v.maxLen("handler", p.Handler, 128)
	v.maxLen("description", p.Description, 256)
	v.rangeInt("timeout", p.Timeout, 1, 900)
	v.rangeInt("memorySize", p.MemorySize, 128, 10240)
	v.rangeInt("ephemeralStorage.size", p.Ephemeral, 512, 10240)
	if p.Env != nil {
		for _, k := range sortedKeys(p.Env.Variables) {
			if !envKeyRE.MatchString(k) {
				v.add("environment.variables", k, "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")
				break
			}
		}
	}
	if p.Tracing != nil && p.Tracing.Mode != nil && *p.Tracing.Mode != "Active" && *p.Tracing.Mode != "PassThrough" {
		v.add("tracingConfig.mode", p.Tracing.Mode, "Member must satisfy enum value set: [Active, PassThrough]")
	}
	if len(p.Architectures) > 1 {
		v.add("architectures", fmt.Sprint(p.Architectures), "Member must have length less than or equal to 1")
	}
	for _, a := range p.Architectures {
		if a != "x86_64" && a != "arm64" {
			v.add("architectures", p.Architectures, "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]")
			break
		}
	}
	return v.err()
}

// semantic checks the values AWS answers InvalidParameterValueException for.
func (p *configPatch) semantic() error {
	if p.Runtime != nil {
		if repl, ok := deprecatedRuntimes[*p.Runtime]; ok {
			return invalidParam("The runtime parameter of %s is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (%s) while creating or updating functions.", *p.Runtime, repl)
		}
		if !supportedRuntime(*p.Runtime) {
			return invalidParam("Nubo does not run the runtime %s; supported runtimes: %s.", *p.Runtime, strings.Join(Runtimes, ", "))
		}
	}
	if p.Env != nil {
		if err := checkEnv(p.Env.Variables); err != nil {
			return err
		}
	}
	if len(p.Layers) > 0 {
		return invalidParam("Nubo does not support Lambda layers yet.")
	}
	if len(p.FileSystems) > 0 {
		return invalidParam("Nubo does not support EFS file systems for functions.")
	}
	if p.Vpc != nil && (len(p.Vpc.SubnetIds) > 0 || len(p.Vpc.SecurityGroupIds) > 0) {
		return invalidParam("Nubo does not support VPC-attached functions yet.")
	}
	if p.DLQ != nil && deref(p.DLQ.TargetArn) != "" {
		t := *p.DLQ.TargetArn
		if !strings.HasPrefix(t, "arn:aws:sqs:") && !strings.HasPrefix(t, "arn:aws:sns:") {
			return invalidParam("The provided target ARN %s is invalid. Please provide a valid SNS or SQS ARN.", t)
		}
	}
	return nil
}

func checkEnv(vars map[string]string) error {
	var reserved []string
	for _, k := range sortedKeys(vars) {
		if reservedEnv[k] {
			reserved = append(reserved, k)
		}
	}
	if len(reserved) > 0 {
		return invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", strings.Join(reserved, ", "))
	}
	b, _ := json.Marshal(vars)
	if len(b) > 4096 {
		return invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %s", b)
	}
	return nil
}

// checkRole verifies that the role exists and that its trust policy lets
// lambda.amazonaws.com assume it.
func (s *Service) checkRole(ctx context.Context, roleARN string) error {
	r, err := s.roles.Role(ctx, roleARN)
	if err != nil || r.ARN != roleARN || r.TrustPolicy == nil {
		return invalidParam("The role defined for the function cannot be assumed by Lambda.")
	}
	d := r.TrustPolicy.Evaluate(&policy.Request{
		Principal: policy.Principal{Type: "Service", ID: "lambda.amazonaws.com"},
		Action:    "sts:AssumeRole", Resource: r.ARN,
	})
	if d != policy.Allow {
		return invalidParam("The role defined for the function cannot be assumed by Lambda.")
	}
	return nil
}

// apply writes the given members of p into c (after check and semantic).
func (p *configPatch) apply(c *config) {
	setIf(&c.Runtime, p.Runtime)
	setIf(&c.Role, p.Role)
	setIf(&c.Handler, p.Handler)
	setIf(&c.Description, p.Description)
	setIf(&c.KMSKeyArn, p.KMSKeyArn)
	setIf(&c.Timeout, p.Timeout)
	setIf(&c.MemorySize, p.MemorySize)
	setIf(&c.EphemeralStorage, p.Ephemeral)
	if p.Env != nil {
		c.Env = p.Env.Variables
	}
	if p.DLQ != nil {
		c.DeadLetterTarget = deref(p.DLQ.TargetArn)
	}
	if p.Tracing != nil {
		c.TracingMode = deref(p.Tracing.Mode)
	}
	if p.Architectures != nil {
		c.Architectures = p.Architectures
	}
	if p.Logging != nil {
		setIf(&c.LogFormat, p.Logging.LogFormat)
		setIf(&c.LogGroup, p.Logging.LogGroup)
		setIf(&c.AppLogLevel, p.Logging.ApplicationLogLevel)
		setIf(&c.SystemLogLevel, p.Logging.SystemLogLevel)
	}
}

func setIf[T any](dst *T, p *T) {
	if p != nil {
		*dst = *p
	}
}

func knownRuntime(r string) bool {
	for _, x := range allRuntimes() {
		if x == r {
			return true
		}
	}
	return false
}

func supportedRuntime(r string) bool {
	for _, x := range Runtimes {
		if x == r {
			return true
		}
	}
	return false
}

func isPython(r string) bool { return strings.HasPrefix(r, "python") }

func allRuntimes() []string {
	out := append(append([]string(nil), Runtimes...), awsOnlyRuntimes...)
	for k := range deprecatedRuntimes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
