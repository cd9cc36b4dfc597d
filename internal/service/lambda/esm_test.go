package lambda

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
)

func TestCreateEventSourceMappingValidation(t *testing.T) {
	x := newESMEnv(t)
	std := x.q.add("std", time.Minute, "", 0)
	fifo := x.q.add("jobs.fifo", time.Minute, "", 0)
	if _, err := call[lambdaapi.CreateAliasOutput](x.env, "CreateAlias", &lambdaapi.CreateAliasInput{FunctionName: ptr("fn"),
		Name: ptr("live"), FunctionVersion: ptr("$LATEST")}); err != nil {
		t.Fatal(err)
	}
	existing := x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(std), FunctionName: ptr("fn:live")})
	cases := []struct {
		name    string
		in      lambdaapi.CreateEventSourceMappingInput
		code    string
		status  int
		message string
	}{
		{"ok standard", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(std), BatchSize: ptr(int32(100)), MaximumBatchingWindowInSeconds: ptr(int32(5))}, "", 0, ""},
		{"duplicate", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(std), FunctionName: ptr("arn:aws:lambda:us-east-1:123456789012:function:fn:live")},
			"ResourceConflictException", http.StatusConflict, `An event source mapping with SQS arn (" ` + std + ` ") and function (" fn:live ") already exists. Please update or delete the existing mapping with UUID ` + *existing.UUID},
		{"unknown function", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(fifo), FunctionName: ptr("nope")},
			"ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"},
		{"unknown queue", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(queueARN("missing"))},
			"InvalidParameterValueException", 400, "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist for this wsdl version."},
		{"no source", lambdaapi.CreateEventSourceMappingInput{}, "InvalidParameterValueException", 400, ""},
		{"kinesis", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr("arn:aws:kinesis:us-east-1:123456789012:stream/s")}, "InvalidParameterValueException", 400, ""},
		{"batch 0", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(std), BatchSize: ptr(int32(0))},
			"ValidationException", 400, "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"batch 10001", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(std), BatchSize: ptr(int32(10001)), MaximumBatchingWindowInSeconds: ptr(int32(1))},
			"ValidationException", 400, "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000"},
		{"window 301", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(std), MaximumBatchingWindowInSeconds: ptr(int32(301))}, "ValidationException", 400, ""},
		{"batch 11 without window", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(std), BatchSize: ptr(int32(11))},
			"InvalidParameterValueException", 400, "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"},
		{"fifo window", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(fifo), MaximumBatchingWindowInSeconds: ptr(int32(1))},
			"InvalidParameterValueException", 400, "Batching window is not supported for FIFO queues"},
		{"fifo batch 11", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(fifo), BatchSize: ptr(int32(11))},
			"InvalidParameterValueException", 400, "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"},
		{"max concurrency 1", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(std), ScalingConfig: &lambdaapi.ScalingConfig{MaximumConcurrency: ptr(int32(1))}},
			"ValidationException", 400, "1 validation error detected: Value '1' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value greater than or equal to 2"},
		{"response type", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(std), FunctionResponseTypes: []string{"Partial"}}, "ValidationException", 400, ""},
		{"bad filter", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(std), FilterCriteria: &lambdaapi.FilterCriteria{Filters: []lambdaapi.Filter{{Pattern: ptr(`{"body":`)}}}},
			"InvalidParameterValueException", 400, "Invalid filter pattern definition."},
		{"filter leaf not array", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(std), FilterCriteria: &lambdaapi.FilterCriteria{Filters: []lambdaapi.Filter{{Pattern: ptr(`{"body":"x"}`)}}}},
			"InvalidParameterValueException", 400, "Invalid filter pattern definition."},
		{"stream parameter", lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(std), StartingPosition: ptr("LATEST")}, "InvalidParameterValueException", 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			if in.FunctionName == nil {
				in.FunctionName = ptr("fn")
			}
			out, err := call[lambdaapi.CreateEventSourceMappingOutput](x.env, "CreateEventSourceMapping", &in)
			wantCode(t, err, c.code, c.status)
			if c.message != "" && awsErr(err).Message != c.message {
				t.Fatalf("message %q, want %q", awsErr(err).Message, c.message)
			}
			if c.code == "" {
				_, _ = call[lambdaapi.DeleteEventSourceMappingOutput](x.env, "DeleteEventSourceMapping", &lambdaapi.DeleteEventSourceMappingInput{UUID: out.UUID})
			}
		})
	}
}

func TestEventSourceMappingLifecycle(t *testing.T) {
	x := newESMEnv(t)
	a := x.q.add("a", time.Minute, "", 0)
	b := x.q.add("b", time.Minute, "", 0)
	x.create("other")
	out, req, err := callReq[lambdaapi.CreateEventSourceMappingOutput](x.env, "CreateEventSourceMapping",
		&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(a), FunctionName: ptr("fn")})
	if err != nil {
		t.Fatal(err)
	}
	if req.Response.Status != 0 && req.Response.Status != http.StatusAccepted {
		t.Fatalf("status %d", req.Response.Status)
	}
	id := deref(out.UUID)
	if deref(out.State) != "Creating" || deref(out.BatchSize) != 10 || deref(out.MaximumBatchingWindowInSeconds) != 0 ||
		deref(out.FunctionArn) != "arn:aws:lambda:us-east-1:123456789012:function:fn" || deref(out.EventSourceArn) != a ||
		deref(out.EventSourceMappingArn) != "arn:aws:lambda:us-east-1:123456789012:event-source-mapping:"+id ||
		deref(out.StateTransitionReason) != "USER_INITIATED" || deref(out.LastProcessingResult) != "No records processed" {
		t.Fatalf("create output %+v", out)
	}
	get := func() *lambdaapi.GetEventSourceMappingOutput {
		g, err := call[lambdaapi.GetEventSourceMappingOutput](x.env, "GetEventSourceMapping", &lambdaapi.GetEventSourceMappingInput{UUID: ptr(id)})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	if s := deref(get().State); s != "Enabled" {
		t.Fatalf("state %s", s)
	}
	up, err := call[lambdaapi.UpdateEventSourceMappingOutput](x.env, "UpdateEventSourceMapping", &lambdaapi.UpdateEventSourceMappingInput{
		UUID: ptr(id), Enabled: ptr(false), BatchSize: ptr(int32(500)), MaximumBatchingWindowInSeconds: ptr(int32(2)),
		FunctionResponseTypes: []string{"ReportBatchItemFailures"}, ScalingConfig: &lambdaapi.ScalingConfig{MaximumConcurrency: ptr(int32(7))}})
	if err != nil {
		t.Fatal(err)
	}
	if deref(up.State) != "Disabling" || deref(up.BatchSize) != 500 || len(up.FunctionResponseTypes) != 1 ||
		deref(up.ScalingConfig.MaximumConcurrency) != 7 {
		t.Fatalf("update output %+v", up)
	}
	if g := get(); deref(g.State) != "Disabled" || deref(g.MaximumBatchingWindowInSeconds) != 2 {
		t.Fatalf("after update %+v", g)
	}
	_, err = call[lambdaapi.UpdateEventSourceMappingOutput](x.env, "UpdateEventSourceMapping", &lambdaapi.UpdateEventSourceMappingInput{
		UUID: ptr(id), MaximumBatchingWindowInSeconds: ptr(int32(0))})
	wantCode(t, err, "InvalidParameterValueException", 400)
	up, err = call[lambdaapi.UpdateEventSourceMappingOutput](x.env, "UpdateEventSourceMapping", &lambdaapi.UpdateEventSourceMappingInput{
		UUID: ptr(id), Enabled: ptr(true)})
	if err != nil || deref(up.State) != "Enabling" {
		t.Fatalf("enable: %v %+v", err, up)
	}
	for _, src := range []string{a, b} {
		for _, fn := range []string{"fn", "other"} {
			if src == a && fn == "fn" {
				continue
			}
			x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(src), FunctionName: ptr(fn)})
		}
	}
	list := func(in *lambdaapi.ListEventSourceMappingsInput) *lambdaapi.ListEventSourceMappingsOutput {
		l, err := call[lambdaapi.ListEventSourceMappingsOutput](x.env, "ListEventSourceMappings", in)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if n := len(list(&lambdaapi.ListEventSourceMappingsInput{}).EventSourceMappings); n != 4 {
		t.Fatalf("listed %d", n)
	}
	if n := len(list(&lambdaapi.ListEventSourceMappingsInput{EventSourceArn: ptr(a)}).EventSourceMappings); n != 2 {
		t.Fatalf("listed %d for queue a", n)
	}
	if n := len(list(&lambdaapi.ListEventSourceMappingsInput{EventSourceArn: ptr(b), FunctionName: ptr("other")}).EventSourceMappings); n != 1 {
		t.Fatalf("listed %d for b/other", n)
	}
	seen := map[string]bool{}
	in := &lambdaapi.ListEventSourceMappingsInput{MaxItems: ptr(int32(3))}
	for page := 0; ; page++ {
		l := list(in)
		for _, m := range l.EventSourceMappings {
			seen[deref(m.UUID)] = true
		}
		if l.NextMarker == nil {
			break
		}
		in.Marker = l.NextMarker
	}
	if len(seen) != 4 {
		t.Fatalf("paged through %d", len(seen))
	}
	del, err := call[lambdaapi.DeleteEventSourceMappingOutput](x.env, "DeleteEventSourceMapping", &lambdaapi.DeleteEventSourceMappingInput{UUID: ptr(id)})
	if err != nil || deref(del.State) != "Deleting" {
		t.Fatalf("delete: %v %+v", err, del)
	}
	for _, op := range []string{"GetEventSourceMapping", "DeleteEventSourceMapping", "UpdateEventSourceMapping"} {
		var in any
		switch op {
		case "GetEventSourceMapping":
			in = &lambdaapi.GetEventSourceMappingInput{UUID: ptr(id)}
		case "DeleteEventSourceMapping":
			in = &lambdaapi.DeleteEventSourceMappingInput{UUID: ptr(id)}
		default:
			in = &lambdaapi.UpdateEventSourceMappingInput{UUID: ptr(id), Enabled: ptr(true)}
		}
		_, err := x.h[op](ctx(), in)
		wantCode(t, err, "ResourceNotFoundException", 404)
		if !strings.Contains(awsErr(err).Message, "does not exist") {
			t.Fatalf("%s: %q", op, awsErr(err).Message)
		}
	}
}
