package sns

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
)

// AttributeValue is a message attribute: DataType is "String", "Number",
// "Binary" or one of them with a custom suffix ("String.Array",
// "Number.float"); StringValue carries String and Number values, BinaryValue
// Binary ones.
type AttributeValue struct {
	DataType    string `json:"type"`
	StringValue string `json:"s,omitempty"`
	BinaryValue []byte `json:"b,omitempty"`
}

// QueueMessage is a message SNS sends to an SQS queue.
type QueueMessage struct {
	// Body is the SNS JSON envelope, or the message itself for raw delivery.
	Body string
	// Attributes become SQS message attributes (raw delivery only; nil
	// otherwise).
	Attributes map[string]AttributeValue
	// MessageGroupID and DeduplicationID are set for messages of FIFO topics
	// (the deduplication id is the publish's, or the SHA-256 of the body for
	// content-based deduplication).
	MessageGroupID  string
	DeduplicationID string
}

// QueueTarget delivers messages to SQS queues; the SQS service implements it.
// DeliverSQS must return only after the message is durably enqueued.
type QueueTarget interface {
	DeliverSQS(ctx context.Context, queueARN string, m QueueMessage) error
}

// FunctionTarget invokes Lambda functions asynchronously; the Lambda service
// implements it. InvokeLambdaAsync must return once the event is durably
// queued for invocation (the function's own retries and destinations apply
// from there).
type FunctionTarget interface {
	InvokeLambdaAsync(ctx context.Context, functionARN string, payload []byte) error
}

// SetQueueTarget plugs in SQS delivery; deliveries to SQS wait in the outbox
// until it is set.
func (s *Service) SetQueueTarget(t QueueTarget) {
	s.targetMu.Lock()
	s.queueT = t
	s.targetMu.Unlock()
	s.sched.unpark()
}

// SetFunctionTarget plugs in Lambda delivery; deliveries to Lambda wait in
// the outbox until it is set.
func (s *Service) SetFunctionTarget(t FunctionTarget) {
	s.targetMu.Lock()
	s.funcT = t
	s.targetMu.Unlock()
	s.sched.unpark()
}

func (s *Service) targets() (QueueTarget, FunctionTarget) {
	s.targetMu.RLock()
	defer s.targetMu.RUnlock()
	return s.queueT, s.funcT
}

// permanentError marks a delivery failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as a client-side delivery failure (the queue or
// function does not exist, access is denied): SNS does not retry it and
// moves the message to the subscription's dead-letter queue at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// isPermanent reports whether a target's error is client-side: marked with
// Permanent, or an AWS error with a 4xx status other than throttling.
func isPermanent(err error) bool {
	var p permanentError
	if errors.As(err, &p) {
		return true
	}
	var ae *awsapi.Error
	if errors.As(err, &ae) {
		st := ae.Status
		return st >= 400 && st < 500 && st != http.StatusTooManyRequests && !strings.Contains(ae.Code, "Throttl")
	}
	return false
}

// errNoTarget is returned by a delivery whose protocol has no target yet.
var errNoTarget = errors.New("sns: no delivery target for the protocol yet")
