package lambda

import (
	"time"
)

// Store layout (all keys under "lambda/"):
//
//	lambda/fn/<name>                   functionRecord ($LATEST and function-wide state)
//	lambda/ver/<name>/<%010d version>  config (immutable published version)
//	lambda/alias/<name>/<alias>        aliasRecord
//	lambda/policy/<name>/<qualifier>   policyRecord ("" qualifier is stored as "$")
//	lambda/eic/<name>/<qualifier>      eventInvokeRecord
//	lambda/async/<id>                  asyncEvent (pending asynchronous invocations)
//	lambda/undelivered/<id>            Undelivered (destination records nobody could take)
//	lambda/esm/<uuid>                  esmRecord (event source mappings)
//	lambda/meta/urlkey                 the HMAC key of code download URLs

// config is one function configuration: $LATEST (inside functionRecord) or a
// published version. Published versions never change except for State.
type config struct {
	Name             string            `json:"name"`
	Version          string            `json:"version"`
	Runtime          string            `json:"runtime"`
	Role             string            `json:"role"`
	Handler          string            `json:"handler,omitempty"`
	Description      string            `json:"description,omitempty"`
	Timeout          int32             `json:"timeout"`
	MemorySize       int32             `json:"memorySize"`
	Env              map[string]string `json:"env,omitempty"`
	EphemeralStorage int32             `json:"ephemeralStorage"`
	CodeSha256       string            `json:"codeSha256"` // base64, as AWS reports it
	CodeHex          string            `json:"codeHex"`    // hex, the blob address
	CodeSize         int64             `json:"codeSize"`
	DeadLetterTarget string            `json:"dlq,omitempty"`
	TracingMode      string            `json:"tracing,omitempty"`
	Architectures    []string          `json:"arch,omitempty"`
	Layers           []string          `json:"layers,omitempty"`
	KMSKeyArn        string            `json:"kms,omitempty"`
	LogFormat        string            `json:"logFormat,omitempty"`
	LogGroup         string            `json:"logGroup,omitempty"`
	AppLogLevel      string            `json:"appLogLevel,omitempty"`
	SystemLogLevel   string            `json:"sysLogLevel,omitempty"`
	LastModified     time.Time         `json:"lastModified"`
	RevisionID       string            `json:"revisionId"`
	// ReadyAt is when the function leaves Pending (creation settles).
	ReadyAt time.Time `json:"readyAt"`
	// UpdateReadyAt is when LastUpdateStatus becomes Successful.
	UpdateReadyAt time.Time `json:"updateReadyAt"`
	// Updated is set once the configuration or code was updated after creation.
	Updated bool `json:"updated,omitempty"`
}

// functionRecord is a function: its $LATEST configuration and function-wide state.
type functionRecord struct {
	Latest config            `json:"latest"`
	Tags   map[string]string `json:"tags,omitempty"`
	// Reserved is the reserved concurrency (nil: none).
	Reserved *int32 `json:"reserved,omitempty"`
	// LastVersion is the highest version number ever published.
	LastVersion int `json:"lastVersion"`
	// PublishedFrom is the RevisionId of $LATEST that the last published
	// version was taken from; publishing again without changes returns it.
	PublishedFrom string    `json:"publishedFrom,omitempty"`
	Created       time.Time `json:"created"`
}

// aliasRecord is a function alias.
type aliasRecord struct {
	Name        string             `json:"name"`
	Function    string             `json:"function"`
	Version     string             `json:"version"`
	Description string             `json:"description,omitempty"`
	Weights     map[string]float64 `json:"weights,omitempty"`
	RevisionID  string             `json:"revisionId"`
}

// policyRecord is the resource-based policy of a function or qualifier.
type policyRecord struct {
	Statements []policyStatement `json:"statements"`
}

// policyStatement is one statement as AWS renders it in GetPolicy.
type policyStatement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Principal any            `json:"Principal"`
	Action    string         `json:"Action"`
	Resource  string         `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// eventInvokeRecord is a function's (or qualifier's) asynchronous invocation config.
type eventInvokeRecord struct {
	Qualifier      string    `json:"qualifier"`
	MaxRetry       *int32    `json:"maxRetry,omitempty"`
	MaxAge         *int32    `json:"maxAge,omitempty"`
	OnSuccess      string    `json:"onSuccess,omitempty"`
	OnFailure      string    `json:"onFailure,omitempty"`
	LastModified   time.Time `json:"lastModified"`
	DestinationSet bool      `json:"destinationSet,omitempty"`
}

// asyncEvent is a queued asynchronous invocation.
type asyncEvent struct {
	ID        string    `json:"id"`
	Function  string    `json:"function"`
	Qualifier string    `json:"qualifier,omitempty"`
	Payload   []byte    `json:"payload"`
	Enqueued  time.Time `json:"enqueued"`
	NextAt    time.Time `json:"nextAt"`
	// Attempts counts invocations that ran the function (function errors).
	Attempts int `json:"attempts"`
	// Throttles counts throttled or failed-to-start attempts (for back-off).
	Throttles int `json:"throttles"`
	// Last response, for the failure destination record.
	LastStatus   int    `json:"lastStatus,omitempty"`
	LastVersion  string `json:"lastVersion,omitempty"`
	LastError    string `json:"lastError,omitempty"`
	LastResponse []byte `json:"lastResponse,omitempty"`
	// ClientContext is the decoded client context JSON, if any.
	ClientContext string `json:"clientContext,omitempty"`
}
