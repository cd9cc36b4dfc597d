package sqs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/edge"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/store"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/nubo/nubo/internal/awsapi/sqsapi"
)

// benchEnv serves a service on a durable Pebble store through the edge and
// returns an SDK client with enough pooled connections for the workers.
func benchEnv(b *testing.B) (*sdksqs.Client, string) {
	b.Helper()
	var e *env
	if os.Getenv("NUBO_SQS_BENCH_MEMORY") != "" {
		e = newEnv(b, nil) // volatile store: isolates fsync cost
	} else {
		db, err := store.Open(b.TempDir(), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		td := &timedDB{DB: db, dur: map[bool][]time.Duration{}}
		b.Cleanup(func() { td.report(b) })
		c := clock.NewVirtual()
		b.Cleanup(func() { _ = c.Close() })
		e = openEnv(b, td, c)
	}
	endpoint := e.startEdge()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 256, 256
	c := sdksqs.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		HTTPClient: &http.Client{Transport: tr}, Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	out, err := c.CreateQueue(context.Background(), &sdksqs.CreateQueueInput{QueueName: aws.String("bench")})
	if err != nil {
		b.Fatal(err)
	}
	return c, *out.QueueUrl
}

// BenchmarkBatchPipeline: 8 producers send batches of 10 while 8 consumers
// receive batches of 10 and delete them in batches; one op is one message
// sent, received and deleted.
func BenchmarkBatchPipeline(b *testing.B) {
	c, url := benchEnv(b)
	ctx := context.Background()
	batches := (b.N + 9) / 10
	total := int64(batches * 10)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 8 {
		wg.Go(func() {
			entries := make([]types.SendMessageBatchRequestEntry, 10)
			for i := range entries {
				entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String("benchmark message body of some length")}
			}
			for next.Add(1) <= int64(batches) {
				if _, err := c.SendMessageBatch(ctx, &sdksqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	for range 8 {
		wg.Go(func() {
			for done.Load() < total {
				out, err := c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
				if err != nil {
					b.Error(err)
					return
				}
				if len(out.Messages) == 0 {
					continue
				}
				del := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
				for i, m := range out.Messages {
					del[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle}
				}
				res, err := c.DeleteMessageBatch(ctx, &sdksqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: del})
				if err != nil || len(res.Failed) > 0 {
					b.Error(err, res)
					return
				}
				done.Add(int64(len(out.Messages)))
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	b.ReportMetric(float64(total)/el.Seconds(), "msgs/s")
}

// BenchmarkSendSingle measures single-message SendMessage throughput from
// 16 concurrent clients.
func BenchmarkSendSingle(b *testing.B) {
	c, url := benchEnv(b)
	ctx := context.Background()
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("single message")}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkDirectPipeline is BenchmarkBatchPipeline without HTTP, signing
// and codecs: the service's own cost on a durable Pebble store.
func BenchmarkDirectPipeline(b *testing.B) {
	e := openPebble(b, b.TempDir())
	url := e.create("direct", nil)
	ctx := e.ctx()
	batches := (b.N + 9) / 10
	total := int64(batches * 10)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 8 {
		wg.Go(func() {
			entries := make([]sqsapi.SendMessageBatchRequestEntry, 10)
			for i := range entries {
				entries[i] = sqsapi.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String("benchmark message body of some length")}
			}
			for next.Add(1) <= int64(batches) {
				if _, err := e.svc.SendMessageBatch(ctx, &sqsapi.SendMessageBatchInput{QueueUrl: &url, Entries: entries}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	for range 8 {
		wg.Go(func() {
			for done.Load() < total {
				out, err := e.svc.ReceiveMessage(ctx, &sqsapi.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: i32(10), WaitTimeSeconds: i32(1)})
				if err != nil {
					b.Error(err)
					return
				}
				del := make([]sqsapi.DeleteMessageBatchRequestEntry, len(out.Messages))
				for i, m := range out.Messages {
					del[i] = sqsapi.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle}
				}
				if len(del) > 0 {
					if _, err := e.svc.DeleteMessageBatch(ctx, &sqsapi.DeleteMessageBatchInput{QueueUrl: &url, Entries: del}); err != nil {
						b.Error(err)
						return
					}
				}
				done.Add(int64(len(out.Messages)))
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkDirectSendSingle is BenchmarkSendSingle without HTTP, signing and
// codecs, on a durable Pebble store.
func BenchmarkDirectSendSingle(b *testing.B) {
	e := openPebble(b, b.TempDir())
	url := e.create("direct-single", nil)
	ctx := e.ctx()
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.svc.SendMessage(ctx, &sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("single message")}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkEdgeSendMessage drives signed AWS JSON SendMessage requests
// through the edge's handler in process, on a memory store: the server's CPU
// and allocations per send without the network, the client and fsync.
func BenchmarkEdgeSendMessage(b *testing.B) {
	e := newEnv(b, nil)
	url := e.create("edge-single", nil)
	ed := edge.New(edge.Config{Region: "us-east-1", Account: testAccount,
		Credentials: auth.NewStaticCredentials(auth.Credential{AccessKeyID: "test", SecretAccessKey: "test",
			Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":root", Root: true, AccessKeyID: "test"}}),
		Now: e.clock.Now})
	ed.Register(sqsapi.API(), e.svc.Handlers())
	body := []byte(`{"QueueUrl":"` + url + `","MessageBody":"{\"client\":1,\"pad\":\"sqs benchmark message\"}"}`)
	tmpl := httptest.NewRequest(http.MethodPost, "http://nubo.test:4566/", nil)
	tmpl.Header.Set("Content-Type", "application/x-amz-json-1.0")
	tmpl.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
	auth.SignV4(tmpl, auth.PayloadHash(body), auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"},
		"us-east-1", "sqs", time.Now())
	b.ReportAllocs()
	for b.Loop() {
		r := tmpl.Clone(context.Background())
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		w := httptest.NewRecorder()
		ed.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
