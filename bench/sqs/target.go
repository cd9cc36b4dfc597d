package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// target is one SQS endpoint under test with its client.
type target struct {
	name string
	url  string
	pid  string // the serving process, for CPU accounting ("self" for Nubo)
	cfg  aws.Config
	c    *sqs.Client
}

// newTarget builds an aws-sdk-go-v2 SQS client (AWS JSON 1.0) for url with a
// keep-alive transport holding enough idle connections for every worker,
// and no retries, so that every failure is counted instead of hidden.
func newTarget(ctx context.Context, name, url string, conc int) *target {
	idle := max(conc, 16) + 8
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns = 4 * idle
		tr.MaxIdleConnsPerHost = 2 * idle
	})
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"), config.WithBaseEndpoint(url),
		config.WithHTTPClient(hc), config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	check(err)
	return &target{name: name, url: url, cfg: cfg, c: sqs.NewFromConfig(cfg)}
}

// createQueue creates a standard queue and returns its URL.
func (t *target) createQueue(ctx context.Context, name string, attrs map[string]string) string {
	out, err := t.c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	check(err)
	return *out.QueueUrl
}

// counts returns a queue's ApproximateNumberOfMessages and …NotVisible.
func (t *target) counts(ctx context.Context, url string) (visible, inflight int, err error) {
	out, err := t.c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		return 0, 0, err
	}
	visible, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	inflight, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return visible, inflight, nil
}

// fill sends n messages to url in batches of 10 from workers goroutines.
func (t *target) fill(ctx context.Context, url string, n, workers int) error {
	var next int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				start := next
				next += 10
				mu.Unlock()
				if start >= int64(n) || ctx.Err() != nil {
					return
				}
				if err := t.sendTen(ctx, url, start, min(10, n-int(start))); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// sendTen sends k messages numbered from start in one SendMessageBatch and
// fails if any entry failed.
func (t *target) sendTen(ctx context.Context, url string, start int64, k int) error {
	entries := make([]types.SendMessageBatchRequestEntry, k)
	for i := range entries {
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
			MessageBody: aws.String(fmt.Sprintf(`{"n":%d,"pad":"sqs benchmark message"}`, start+int64(i)))}
	}
	out, err := t.c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil {
		return err
	}
	if len(out.Failed) > 0 {
		return fmt.Errorf("%s: SendMessageBatch: %d entries failed: %s", t.name, len(out.Failed), aws.ToString(out.Failed[0].Message))
	}
	return nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func sortD(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }

// pct returns the q-quantile of sorted durations.
func pct(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[int(q*float64(len(d)-1))].Round(time.Microsecond)
}

// ratio formats a/b, or "n/a" when b is zero.
func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f×", a/b)
}
