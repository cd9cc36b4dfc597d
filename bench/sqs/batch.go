package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// flow counts what one throughput run moved.
type flow struct {
	sent, received, deleted, errs atomic.Int64
	firstErr                      atomic.Value // string
}

func (f *flow) fail(err error) {
	f.errs.Add(1)
	f.firstErr.CompareAndSwap(nil, err.Error())
}

// batchResult is one target's batch-run figures, per second.
type batchResult struct {
	sent, received, deleted float64
}

func (r batchResult) sum() float64 { return r.sent + r.received + r.deleted }

// batch runs the producer/consumer batch scenario on Nubo and moto.
func (b *bench) batch() {
	header(fmt.Sprintf("standard queue, batches of 10: %d producers (SendMessageBatch) + %d consumers (ReceiveMessage max 10, wait 1 s + DeleteMessageBatch), %s each",
		b.st.producer, b.st.consumer, b.st.dur))
	var n, m batchResult
	b.profiled("batch", func() { n = b.batchRun(b.nubo) })
	if b.moto == nil {
		fmt.Println("  moto skipped")
		return
	}
	fmt.Printf("  load1=%s\n", loadAvg())
	m = b.batchRun(b.moto)
	fmt.Printf("  ratio nubo/moto: sent+received+deleted %s, deleted (end to end) %s\n",
		ratio(n.sum(), m.sum()), ratio(n.deleted, m.deleted))
	fmt.Printf("  target ≥ 20,000 messages/s (sent+received+deleted) and ≥ 20× moto: nubo %.0f/s, %s\n", n.sum(), ratio(n.sum(), m.sum()))
}

// batchRun drives producers and consumers against t for the run's duration.
func (b *bench) batchRun(t *target) batchResult {
	ctx := b.ctx
	url := t.createQueue(ctx, "bench-batch", nil)
	var f flow
	meter := startCPU(t.pid)
	stop := time.Now().Add(b.st.dur)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < b.st.producer; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n := int64(i) << 40; time.Now().Before(stop); n += 10 {
				if err := t.sendTen(ctx, url, n, 10); err != nil {
					f.fail(err)
					continue
				}
				f.sent.Add(10)
			}
		}(i)
	}
	for i := 0; i < b.st.consumer; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				consumeOnce(ctx, t, url, 1, &f)
			}
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	r := batchResult{float64(f.sent.Load()) / el, float64(f.received.Load()) / el, float64(f.deleted.Load()) / el}
	vis, inflight, _ := t.counts(ctx, url)
	fmt.Printf("  %-5s sent %7.0f/s  received %7.0f/s  deleted %7.0f/s  = %7.0f messages/s  (%.1f s; left visible %d, in flight %d; errors %d%s)\n",
		t.name, r.sent, r.received, r.deleted, r.sum(), el, vis, inflight, f.errs.Load(), firstErr(&f))
	fmt.Printf("        %s\n", meter.report(serverWho(t), f.sent.Load()+f.received.Load()+f.deleted.Load(), "message"))
	return r
}

// consumeOnce receives up to 10 messages and deletes them in one batch.
func consumeOnce(ctx context.Context, t *target, url string, wait int32, f *flow) int {
	out, err := t.c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
		MaxNumberOfMessages: 10, WaitTimeSeconds: wait})
	if err != nil {
		f.fail(err)
		return 0
	}
	f.received.Add(int64(len(out.Messages)))
	if len(out.Messages) == 0 {
		return 0
	}
	entries := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
	for i, m := range out.Messages {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	del, err := t.c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil {
		f.fail(err)
		return 0
	}
	if len(del.Failed) > 0 {
		f.fail(fmt.Errorf("DeleteMessageBatch: %d failed: %s", len(del.Failed), aws.ToString(del.Failed[0].Message)))
	}
	f.deleted.Add(int64(len(del.Successful)))
	return len(del.Successful)
}

func firstErr(f *flow) string {
	if s, ok := f.firstErr.Load().(string); ok {
		return "; first: " + s
	}
	return ""
}
