package sqs

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/sqsapi"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
)

const crashChildEnv = "NUBO_SQS_CRASH_CHILD"

// TestCrashDurability runs a child process that sends and deletes messages
// durably, printing each acknowledged operation, SIGKILLs it mid-stream and
// checks the store: every acknowledged send is present unless a delete of it
// was attempted, and no acknowledged delete came back.
func TestCrashDurability(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("crash test in -short mode")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDurability$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A message whose delete was attempted but not acknowledged may be gone
	// or present; "R" lines mark those attempts.
	sent, attempted, deleted := map[string]bool{}, map[string]bool{}, map[string]bool{}
	sc := bufio.NewScanner(stdout)
	killed := false
	for sc.Scan() {
		op, body, _ := strings.Cut(sc.Text(), " ")
		switch op {
		case "S":
			sent[body] = true
		case "R":
			attempted[body] = true
		case "D":
			deleted[body] = true
		}
		if !killed && len(sent) >= 3000 && len(deleted) >= 300 {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			killed = true
		}
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("child ended before the kill (%d sends, %d deletes acknowledged)", len(sent), len(deleted))
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c := clock.NewVirtual()
	t.Cleanup(func() { _ = c.Close() })
	e := openEnv(t, db, c)
	present := map[string]bool{}
	for _, q := range e.svc.byName {
		for _, m := range q.idx.msgs {
			present[m.body] = true
		}
	}
	for b := range sent {
		if !attempted[b] && !present[b] {
			t.Errorf("acknowledged send %s lost", b)
		}
	}
	for b := range deleted {
		if present[b] {
			t.Errorf("acknowledged delete %s resurrected", b)
		}
	}
	t.Logf("killed after %d acknowledged sends and %d deletes; %d messages in the store", len(sent), len(deleted), len(present))
}

// crashChild sends and deletes until killed.
func crashChild(dir string) {
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		panic(err)
	}
	c := clock.NewVirtual()
	svc, err := New(&service.System{Region: "us-east-1", Account: testAccount, Clock: c, Store: db})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	out, err := svc.CreateQueue(ctx, &sqsapi.CreateQueueInput{QueueName: sp("crash")})
	if err != nil {
		panic(err)
	}
	url := out.QueueUrl
	var mu sync.Mutex // one line per write
	emit := func(op, body string) {
		mu.Lock()
		fmt.Fprintf(os.Stdout, "%s %s\n", op, body)
		mu.Unlock()
	}
	for w := range 4 {
		go func() {
			for i := 0; ; i++ {
				body := fmt.Sprintf("w%d-%d", w, i)
				if _, err := svc.SendMessage(ctx, &sqsapi.SendMessageInput{QueueUrl: url, MessageBody: &body}); err != nil {
					panic(err)
				}
				emit("S", body)
			}
		}()
	}
	for {
		got, err := svc.ReceiveMessage(ctx, &sqsapi.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: i32(10), WaitTimeSeconds: i32(1)})
		if err != nil {
			panic(err)
		}
		for _, m := range got.Messages {
			emit("R", *m.Body)
			if _, err := svc.DeleteMessage(ctx, &sqsapi.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle}); err != nil {
				panic(err)
			}
			emit("D", *m.Body)
		}
		time.Sleep(time.Millisecond)
	}
}
