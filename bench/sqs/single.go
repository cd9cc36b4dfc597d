package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// sendFunc sends one message body to a queue URL.
type sendFunc func(ctx context.Context, queueURL, body string) error

// sdkSend sends with t's aws-sdk-go-v2 client.
func sdkSend(t *target) sendFunc {
	return func(ctx context.Context, queueURL, body string) error {
		_, err := t.c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(body)})
		return err
	}
}

// single runs the single-message send scenario on Nubo and moto, first with
// the SDK client and then with the lean client; each client's ratio compares
// Nubo and moto driven by that same client.
func (b *bench) single() {
	header(fmt.Sprintf("single-message SendMessage, %d concurrent clients, %s each", b.st.conc, b.st.dur))
	sdk := b.singlePair("aws-sdk-go-v2 client", "single", "bench-single", sdkSend)
	lean := b.singlePair("lean client (SigV4 AWS JSON 1.0 over net/http)", "single-lean", "bench-single-lean",
		func(t *target) sendFunc { return newLeanClient(t.url, b.st.conc).sendMessage })
	fmt.Printf("  target ≥ 5,000 sends/s and ≥ 20× moto: aws-sdk-go-v2 client nubo %.0f/s, %s; lean client nubo %.0f/s, %s\n",
		sdk[0], ratio(sdk[0], sdk[1]), lean[0], ratio(lean[0], lean[1]))
}

// singlePair runs the scenario with one kind of client on Nubo (profiled as
// scenario) and then on moto, and returns both rates (moto's is 0 when
// skipped).
func (b *bench) singlePair(client, scenario, queue string, mk func(*target) sendFunc) [2]float64 {
	fmt.Printf("  %s:\n", client)
	var r [2]float64
	b.profiled(scenario, func() { r[0] = b.singleRun(b.nubo, queue, mk(b.nubo)) })
	if b.moto == nil {
		fmt.Println("  moto skipped")
		return r
	}
	fmt.Printf("  load1=%s\n", loadAvg())
	r[1] = b.singleRun(b.moto, queue, mk(b.moto))
	fmt.Printf("  ratio nubo/moto (%s) = %s\n", client, ratio(r[0], r[1]))
	return r
}

// singleRun sends one message per call from conc clients for the duration
// and prints the rate and latency percentiles.
func (b *bench) singleRun(t *target, queue string, send sendFunc) float64 {
	ctx := b.ctx
	url := t.createQueue(ctx, queue, nil)
	var f flow
	var mu sync.Mutex
	var all []time.Duration
	meter := startCPU(t.pid)
	stop := time.Now().Add(b.st.dur)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < b.st.conc; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var mine []time.Duration
			body := fmt.Sprintf(`{"client":%d,"pad":"sqs benchmark message"}`, i)
			for time.Now().Before(stop) {
				t0 := time.Now()
				if err := send(ctx, url, body); err != nil {
					f.fail(err)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	sortD(all)
	rate := float64(len(all)) / el
	vis, _, _ := t.counts(ctx, url)
	fmt.Printf("  %-5s %7.0f sends/s  p50 %8s  p99 %8s  (%d sent in %.1f s; queue holds %d; errors %d%s)\n",
		t.name, rate, pct(all, 0.5), pct(all, 0.99), len(all), el, vis, f.errs.Load(), firstErr(&f))
	fmt.Printf("        %s\n", meter.report(serverWho(t), int64(len(all)), "send"))
	return rate
}
