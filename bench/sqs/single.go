package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// single runs the single-message send scenario on Nubo and moto.
func (b *bench) single() {
	header(fmt.Sprintf("single-message SendMessage, %d concurrent clients, %s each", b.st.conc, b.st.dur))
	var n, m float64
	b.profiled("single", func() { n = b.singleRun(b.nubo) })
	if b.moto == nil {
		fmt.Println("  moto skipped")
		return
	}
	fmt.Printf("  load1=%s\n", loadAvg())
	m = b.singleRun(b.moto)
	fmt.Printf("  ratio nubo/moto = %s\n", ratio(n, m))
	fmt.Printf("  target ≥ 5,000 sends/s and ≥ 20× moto: nubo %.0f/s, %s\n", n, ratio(n, m))
}

// singleRun sends one message per call from conc clients for the duration
// and prints the rate and latency percentiles.
func (b *bench) singleRun(t *target) float64 {
	ctx := b.ctx
	url := t.createQueue(ctx, "bench-single", nil)
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
			body := aws.String(fmt.Sprintf(`{"client":%d,"pad":"sqs benchmark message"}`, i))
			for time.Now().Before(stop) {
				t0 := time.Now()
				_, err := t.c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: body})
				if err != nil {
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
