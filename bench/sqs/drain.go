package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/runtime/sandbox"
)

const (
	trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	// drainHandler is the trivial function: it logs how many records it got.
	drainHandler = "def handler(event, context):\n    print('records %d' % len(event['Records']))\n    return {}\n"
	drainLimit   = 120 * time.Second
)

// drain runs the SQS → Lambda drain and its plain Go consumer baseline on Nubo.
func (b *bench) drain(nuboURL string) {
	mode, reason := sandbox.Supported()
	header(fmt.Sprintf("SQS → Lambda: %d messages drained by a trivial Python function through an event source mapping (BatchSize 10), sandbox=%s (%s)",
		b.st.drainN, mode, reason))
	if op := lambdaapi.API().Operations["CreateEventSourceMapping"]; op == nil || !op.Implemented {
		fmt.Println("  skipped: Lambda CreateEventSourceMapping is not implemented in this build")
		return
	}
	t := b.nubo
	fn, err := b.drainFunction(t)
	if err != nil {
		fmt.Printf("  skipped: cannot create the function: %v\n", err)
		return
	}
	var lambdaTime time.Duration
	var ok bool
	b.profiled("drain", func() { lambdaTime, ok = b.drainLambda(t, fn) })
	fmt.Printf("  load1=%s\n", loadAvg())
	goTime := b.drainGo(t)
	if ok {
		fmt.Printf("  ratio lambda drain / Go consumer time = %.1f\n", lambdaTime.Seconds()/goTime.Seconds())
		fmt.Printf("  target < 10 s: nubo lambda drain %s\n", lambdaTime.Round(time.Millisecond))
	}
}

// drainFunction creates the execution role and the trivial function.
func (b *bench) drainFunction(t *target) (string, error) {
	role, err := iam.NewFromConfig(t.cfg).CreateRole(b.ctx, &iam.CreateRoleInput{RoleName: aws.String("bench-sqs-drain"),
		AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		return "", fmt.Errorf("create role: %w", err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("app.py")
	w.Write([]byte(drainHandler))
	if err := zw.Close(); err != nil {
		return "", err
	}
	const name = "sqs-drain"
	_, err = lambda.NewFromConfig(t.cfg).CreateFunction(b.ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name),
		Runtime: ltypes.RuntimePython311, Role: role.Role.Arn, Handler: aws.String("app.handler"),
		MemorySize: aws.Int32(128), Timeout: aws.Int32(10), Code: &ltypes.FunctionCode{ZipFile: buf.Bytes()}})
	if err != nil {
		return "", fmt.Errorf("create function: %w", err)
	}
	return name, nil
}

// drainQueue creates a queue and fills it with the drain's messages.
func (b *bench) drainQueue(t *target, name string) (url, arn string) {
	url = t.createQueue(b.ctx, name, map[string]string{"VisibilityTimeout": "60"})
	t0 := time.Now()
	check(t.fill(b.ctx, url, b.st.drainN, 8))
	out, err := t.c.GetQueueAttributes(b.ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	check(err)
	vis, _, _ := t.counts(b.ctx, url)
	fmt.Printf("  %s: %d messages sent in %s (8 producers, batches of 10); queue holds %d\n",
		name, b.st.drainN, time.Since(t0).Round(time.Millisecond), vis)
	return url, out.Attributes[string(types.QueueAttributeNameQueueArn)]
}

// drainLambda times from CreateEventSourceMapping until the queue is empty.
func (b *bench) drainLambda(t *target, fn string) (time.Duration, bool) {
	url, arn := b.drainQueue(t, "bench-drain-lambda")
	lc := lambda.NewFromConfig(t.cfg)
	t0 := time.Now()
	esm, err := lc.CreateEventSourceMapping(b.ctx, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String(fn),
		EventSourceArn: aws.String(arn), BatchSize: aws.Int32(10)})
	if err != nil {
		fmt.Printf("  skipped: CreateEventSourceMapping: %v\n", err)
		return 0, false
	}
	el, vis, inflight := waitEmpty(b.ctx, t, url, t0)
	if vis+inflight > 0 {
		fmt.Printf("  nubo lambda: NOT drained after %s: %d visible, %d in flight\n", drainLimit, vis, inflight)
		return 0, false
	}
	got, _ := lc.GetEventSourceMapping(b.ctx, &lambda.GetEventSourceMappingInput{UUID: esm.UUID})
	lc.DeleteEventSourceMapping(b.ctx, &lambda.DeleteEventSourceMappingInput{UUID: esm.UUID})
	last := ""
	if got != nil {
		last = aws.ToString(got.LastProcessingResult)
	}
	records, lines := b.countRecords(t, fn)
	fmt.Printf("  nubo lambda: drained in %s = %.0f messages/s (LastProcessingResult %q; function logged %d records in %d invocations)\n",
		el.Round(time.Millisecond), float64(b.st.drainN)/el.Seconds(), last, records, lines)
	return el, true
}

// waitEmpty polls the queue's counts until both are zero or drainLimit passes.
func waitEmpty(ctx context.Context, t *target, url string, t0 time.Time) (time.Duration, int, int) {
	for {
		vis, inflight, err := t.counts(ctx, url)
		check(err)
		el := time.Since(t0)
		if vis+inflight == 0 || el > drainLimit {
			return el, vis, inflight
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// drainGo times a plain Go consumer (8 goroutines, batches of 10) draining
// the same number of messages.
func (b *bench) drainGo(t *target) time.Duration {
	url, _ := b.drainQueue(t, "bench-drain-go")
	var f flow
	var once sync.Once
	var el time.Duration // until the last message is deleted, not until the idle receives return
	t0 := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f.deleted.Load() < int64(b.st.drainN) && time.Since(t0) < drainLimit {
				consumeOnce(b.ctx, t, url, 1, &f)
			}
			if f.deleted.Load() >= int64(b.st.drainN) {
				once.Do(func() { el = time.Since(t0) })
			}
		}()
	}
	wg.Wait()
	once.Do(func() { el = time.Since(t0) })
	vis, inflight, _ := t.counts(b.ctx, url)
	fmt.Printf("  nubo Go consumer: %d received and deleted in %s = %.0f messages/s (left %d visible, %d in flight; errors %d%s)\n",
		f.deleted.Load(), el.Round(time.Millisecond), float64(f.deleted.Load())/el.Seconds(), vis, inflight, f.errs.Load(), firstErr(&f))
	return el
}

// countRecords sums the "records N" lines the function logged, waiting up
// to 5 s for the log to catch up with the drain.
func (b *bench) countRecords(t *target, fn string) (records, lines int) {
	logs := cloudwatchlogs.NewFromConfig(t.cfg)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		records, lines = 0, 0
		p := cloudwatchlogs.NewFilterLogEventsPaginator(logs, &cloudwatchlogs.FilterLogEventsInput{
			LogGroupName: aws.String("/aws/lambda/" + fn), FilterPattern: aws.String("records")})
		for p.HasMorePages() {
			page, err := p.NextPage(b.ctx)
			if err != nil {
				break
			}
			for _, e := range page.Events {
				f := strings.Fields(aws.ToString(e.Message))
				if len(f) == 2 && f[0] == "records" {
					n, _ := strconv.Atoi(f[1])
					records += n
					lines++
				}
			}
		}
		if records >= b.st.drainN || time.Now().After(deadline) {
			return records, lines
		}
	}
}
