package lambda

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/platform/arn"
)

// Payload limits.
const (
	// MaxSyncPayload is the largest RequestResponse payload (6 MB).
	MaxSyncPayload = 6291456
	// MaxAsyncPayload is the largest Event payload: 1 MB since AWS raised it
	// from 256 KB in October 2025.
	MaxAsyncPayload = 1048576
	// maxClientContext is the largest decoded ClientContext.
	maxClientContext = 3583
	// logTailBytes is how much log LogType=Tail returns.
	logTailBytes = 4096
)

// Invoke runs a function synchronously (RequestResponse), queues it
// (Event) or only checks the request (DryRun).
func (s *Service) Invoke(ctx context.Context, in *lambdaapi.InvokeInput) (*lambdaapi.InvokeOutput, error) {
	r, q, err := s.lookup(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	typ := deref(in.InvocationType)
	if typ == "" {
		typ = "RequestResponse"
	}
	var v validation
	if typ != "RequestResponse" && typ != "Event" && typ != "DryRun" {
		v.add("invocationType", in.InvocationType, "Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
	}
	if lt := deref(in.LogType); lt != "" && lt != "None" && lt != "Tail" {
		v.add("logType", in.LogType, "Member must satisfy enum value set: [None, Tail]")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	limit, op := MaxSyncPayload, "InvokeFunction"
	if typ == "Event" {
		limit, op = MaxAsyncPayload, "InvokeAsync"
	}
	if len(in.Payload) > limit {
		return nil, awsapi.Errorf("RequestTooLargeException", http.StatusRequestEntityTooLarge,
			"Request must be smaller than %d bytes for the %s operation", limit, op)
	}
	payload, err := checkPayload(in.Payload)
	if err != nil {
		return nil, err
	}
	cc, err := decodeClientContext(deref(in.ClientContext))
	if err != nil {
		return nil, err
	}
	setStatus := func(code int) {
		if req := awsapi.RequestFrom(ctx); req != nil {
			req.Response.Status = code
		}
	}
	switch typ {
	case "DryRun":
		setStatus(http.StatusNoContent)
		return &lambdaapi.InvokeOutput{StatusCode: ptr(int32(http.StatusNoContent))}, nil
	case "Event":
		if err := s.enqueue(ctx, r.cfg.Name, q, payload, cc); err != nil {
			return nil, err
		}
		setStatus(http.StatusAccepted)
		return &lambdaapi.InvokeOutput{StatusCode: ptr(int32(http.StatusAccepted))}, nil
	}
	req := arn.RequestID()
	if ar := awsapi.RequestFrom(ctx); ar != nil && ar.ID != "" {
		req = ar.ID
	}
	res, ver, err := s.run(ctx, r, q, &Invocation{RequestID: req, Payload: payload, ClientContext: cc,
		LogTail: deref(in.LogType) == "Tail"})
	if err != nil {
		return nil, err
	}
	out := &lambdaapi.InvokeOutput{StatusCode: ptr(int32(http.StatusOK)), Payload: res.Payload, ExecutedVersion: ptr(ver)}
	if res.FunctionError != "" {
		out.FunctionError = ptr(res.FunctionError)
	}
	if deref(in.LogType) == "Tail" {
		tail := res.LogTail
		if len(tail) > logTailBytes {
			tail = tail[len(tail)-logTailBytes:]
		}
		out.LogResult = ptr(base64.StdEncoding.EncodeToString([]byte(tail)))
	}
	return out, nil
}

// checkPayload returns the event to pass to the function: "{}" for an empty
// body, else the body, which must be JSON.
func checkPayload(p []byte) ([]byte, error) {
	if len(p) == 0 {
		return []byte("{}"), nil
	}
	var v any
	if err := json.Unmarshal(p, &v); err != nil {
		return nil, awsapi.Errorf("InvalidRequestContentException", http.StatusBadRequest,
			"Could not parse request body into json: Could not parse payload into json: %s", jsonProblem(err))
	}
	return p, nil
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error() + " at offset " + strconv.FormatInt(se.Offset, 10)
	}
	return "Unexpected end-of-input"
}

func decodeClientContext(b64 string) (string, error) {
	if b64 == "" {
		return "", nil
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", awsapi.Errorf("InvalidRequestContentException", http.StatusBadRequest, "Client context must be a valid Base64-encoded JSON object.")
	}
	if len(raw) > maxClientContext {
		return "", awsapi.Errorf("InvalidRequestContentException", http.StatusBadRequest, "Client context must be smaller than %d bytes.", maxClientContext)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", awsapi.Errorf("InvalidRequestContentException", http.StatusBadRequest, "Client context must be a valid Base64-encoded JSON object.")
	}
	return string(raw), nil
}

// run invokes the version that r at qualifier q selects (picking an alias's
// weighted version) and records the metrics. It returns the result and the
// executed version.
func (s *Service) run(ctx context.Context, r resolved, q string, inv *Invocation) (*Result, string, error) {
	exec := s.executor()
	if exec == nil {
		return nil, "", serviceError("Nubo cannot run function code: no function executor (the runtime instance pool) is installed in this server.")
	}
	cfg := r.cfg
	if r.alias != nil && len(r.alias.Weights) > 0 {
		if picked := pickVersion(r.alias, randomFloat); picked != cfg.Version {
			c, err := s.versionConfig(r.fn, picked)
			if err != nil {
				return nil, "", err
			}
			cfg = c
		}
	}
	if r.fn.Reserved != nil && *r.fn.Reserved == 0 {
		s.recordThrottle(cfg.Name, q)
		return nil, "", (&ThrottleError{Reason: ReasonReservedFunctionConcurrentInvocationLimitExceeded}).apiError()
	}
	ver, err := s.versionFor(ctx, r.fn, cfg)
	if err != nil {
		return nil, "", err
	}
	inv.InvokedARN = s.qualifiedARN(cfg.Name, q)
	inv.Deadline = s.clock.Now().Add(ver.Timeout)
	start := time.Now()
	res, err := exec.Invoke(ctx, ver, inv)
	if err != nil {
		var te *ThrottleError
		if errors.As(err, &te) {
			s.recordThrottle(cfg.Name, q)
			return nil, "", te.apiError()
		}
		var ae *awsapi.Error
		if errors.As(err, &ae) {
			return nil, "", err
		}
		s.log.Error("lambda: executor failed", "function", ver.VersionARN, "request", inv.RequestID, "err", err)
		return nil, "", serviceError("Lambda was unable to run the function %s: the runtime failed to start it.", ver.VersionARN)
	}
	if res == nil {
		return nil, "", serviceError("Lambda was unable to run the function %s: the runtime returned no result.", ver.VersionARN)
	}
	if res.ExecutedVersion == "" {
		res.ExecutedVersion = cfg.Version
	}
	if res.Duration == 0 {
		res.Duration = time.Since(start)
	}
	s.recordInvocation(cfg.Name, q, res)
	return res, res.ExecutedVersion, nil
}

// randomFloat returns a uniform float in [0, 1) from crypto/rand.
func randomFloat() float64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53)
}
