package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/platform/arn"
)

// Delivery is a record sent to an asynchronous invocation destination or a
// dead-letter queue.
type Delivery struct {
	// Target is the destination ARN.
	Target string
	// Kind is "destination" (an invocation record, JSON) or "dlq" (the
	// original event, with Attributes as the message attributes AWS sets:
	// RequestID, ErrorCode, ErrorMessage).
	Kind       string
	Body       []byte
	Attributes map[string]string
}

// DestinationSink delivers records to targets of one service (SQS, SNS,
// EventBridge, S3); the messaging services implement it and register with
// SetDestinationSink.
type DestinationSink interface {
	Deliver(ctx context.Context, d Delivery) error
}

// Undelivered is a destination or dead-letter record Nubo could not deliver
// (no sink for the target's service yet, or the sink failed); it is kept in
// the store so nothing is lost silently.
type Undelivered struct {
	ID       string    `json:"id"`
	Delivery Delivery  `json:"delivery"`
	Time     time.Time `json:"time"`
	Reason   string    `json:"reason"`
}

// Undelivered lists the records that could not be delivered, oldest first by id.
func (s *Service) Undelivered(ctx context.Context) ([]Undelivered, error) {
	var out []Undelivered
	err := s.undelivered.List("", "", 0, func(_ string, u Undelivered) bool {
		out = append(out, u)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("lambda: list undelivered: %w", err)
	}
	return out, nil
}

// deliver sends d to its target and reports success; Lambda targets are
// invoked asynchronously, others go through the registered sink, and what
// cannot be delivered is kept as Undelivered.
func (s *Service) deliver(ctx context.Context, d Delivery) bool {
	a, err := arn.Parse(d.Target)
	if err != nil {
		s.keepUndelivered(d, "invalid target ARN")
		return false
	}
	if a.Service == "lambda" {
		ref, err := s.parseFunctionRef("destination", d.Target, true)
		if err == nil {
			if _, err = s.resolve(ref.Name, ref.Qualifier); err == nil {
				err = s.enqueue(ctx, ref.Name, ref.Qualifier, d.Body, "")
			}
		}
		if err != nil {
			s.keepUndelivered(d, "lambda destination: "+err.Error())
			return false
		}
		return true
	}
	s.hooksMu.RLock()
	sink := s.sinks[a.Service]
	s.hooksMu.RUnlock()
	if sink == nil {
		s.keepUndelivered(d, fmt.Sprintf("%s: %s destinations are not available in this server yet", errNoSink, a.Service))
		return false
	}
	if err := sink.Deliver(ctx, d); err != nil {
		s.keepUndelivered(d, err.Error())
		return false
	}
	return true
}

func (s *Service) keepUndelivered(d Delivery, reason string) {
	u := Undelivered{ID: fmt.Sprintf("%020d-%s", s.clock.Now().UnixNano(), arn.Hex(8)), Delivery: d, Time: s.clock.Now(), Reason: reason}
	if err := s.undelivered.Save(u.ID, u, true); err != nil {
		s.log.Error("lambda: keep undelivered record", "target", d.Target, "err", err)
	}
	s.log.Warn("lambda: record not delivered", "target", d.Target, "reason", reason)
}

// destinationRecord builds AWS's invocation record for a destination.
func (s *Service) destinationRecord(ev asyncEvent, condition string) []byte {
	version := ev.LastVersion
	if version == "" {
		version = latest
	}
	rec := map[string]any{
		"version":   "1.0",
		"timestamp": s.clock.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"requestContext": map[string]any{
			"requestId":              ev.ID,
			"functionArn":            s.qualifiedARN(ev.Function, qualifierOr(ev.Qualifier)),
			"condition":              condition,
			"approximateInvokeCount": ev.Attempts,
		},
		"requestPayload": rawJSON(ev.Payload),
	}
	if ev.LastStatus != 0 {
		rc := map[string]any{"statusCode": ev.LastStatus, "executedVersion": version}
		if ev.LastError != "" {
			rc["functionError"] = ev.LastError
		}
		rec["responseContext"] = rc
		rec["responsePayload"] = rawJSON(ev.LastResponse)
	}
	b, _ := json.Marshal(rec)
	return b
}

func qualifierOr(q string) string {
	if q == "" {
		return latest
	}
	return q
}

// rawJSON embeds b as JSON when it is JSON, else as a string.
func rawJSON(b []byte) any {
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
