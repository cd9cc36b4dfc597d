package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// settle is how long the receiver is given to reach the server and block in
// its long poll before the send is issued.
const settle = 50 * time.Millisecond

// arrival is a message the long-polling receiver got, and when.
type arrival struct {
	handle *string
	at     time.Time
	err    error
}

// wakeResult is one target's long-poll figures.
type wakeResult struct {
	wake, send []time.Duration
	early      int // receives that came back empty before their 20 s wait
	misses     int // sends whose message did not arrive within 25 s
}

// longPoll runs the long-poll wake scenario on Nubo and moto.
func (b *bench) longPoll() {
	header(fmt.Sprintf("long-poll wake latency: receiver blocked in ReceiveMessage (WaitTimeSeconds 20) on an empty queue; "+
		"from just before SendMessage to the receive returning the message; %d times (receiver settles %s first)", b.st.wakes, settle))
	var n wakeResult
	b.profiled("longpoll", func() {
		n = b.wakeRun(b.nubo)
		b.printWake(b.nubo, n)
	})
	if b.moto != nil {
		fmt.Printf("  load1=%s\n", loadAvg())
		m := b.wakeRun(b.moto)
		b.printWake(b.moto, m)
		if len(m.wake) > 0 && len(n.wake) > 0 {
			fmt.Printf("  ratio moto/nubo p50 = %.1f\n", float64(pct(m.wake, 0.5))/float64(pct(n.wake, 0.5)))
		}
	}
	fmt.Printf("  target: nubo wakes within 5 ms: p50 %s, p99 %s\n", pct(n.wake, 0.5), pct(n.wake, 0.99))
}

func (b *bench) printWake(t *target, r wakeResult) {
	fmt.Printf("  %-5s wake p50 %8s  p99 %8s  max %8s  (the SendMessage call itself: p50 %8s  p99 %8s; %d samples, %d early empty receives, %d lost)\n",
		t.name, pct(r.wake, 0.5), pct(r.wake, 0.99), pct(r.wake, 1), pct(r.send, 0.5), pct(r.send, 0.99), len(r.wake), r.early, r.misses)
}

// wakeRun measures b.st.wakes wake-ups of one long-polling receiver on t.
func (b *bench) wakeRun(t *target) wakeResult {
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	url := t.createQueue(ctx, "bench-longpoll", nil)
	arrivals := make(chan arrival)
	var r wakeResult
	early := make(chan int, 1)
	go receiver(ctx, t, url, arrivals, early)
	body := aws.String(`{"pad":"sqs benchmark long-poll message"}`)
	for i := 0; i < b.st.wakes && r.misses < 3; i++ {
		time.Sleep(settle)
		t0 := time.Now()
		_, err := t.c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: body})
		sent := time.Since(t0)
		check(err)
		select {
		case a := <-arrivals:
			check(a.err)
			r.wake = append(r.wake, a.at.Sub(t0))
			r.send = append(r.send, sent)
			_, err := t.c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: a.handle})
			check(err)
		case <-time.After(25 * time.Second):
			r.misses++
		}
	}
	cancel()
	r.early = <-early
	sortD(r.wake)
	sortD(r.send)
	return r
}

// receiver long-polls url until ctx ends, handing each message it gets to
// out, and reports on done how many receives came back empty early.
func receiver(ctx context.Context, t *target, url string, out chan<- arrival, done chan<- int) {
	early := 0
	defer func() { done <- early }()
	for ctx.Err() == nil {
		t0 := time.Now()
		res, err := t.c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
			MaxNumberOfMessages: 1, WaitTimeSeconds: 20})
		at := time.Now()
		if ctx.Err() != nil {
			return
		}
		if err == nil && len(res.Messages) == 0 {
			if at.Sub(t0) < 19*time.Second {
				early++
			}
			continue
		}
		a := arrival{at: at, err: err}
		if err == nil {
			a.handle = res.Messages[0].ReceiptHandle
		}
		select {
		case out <- a:
		case <-ctx.Done():
			return
		}
	}
}
