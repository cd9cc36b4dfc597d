package sns

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/snsapi"
	"github.com/nubo/nubo/internal/platform/metrics"
)

// verify checks an envelope's signature the way SNS message validators do:
// rebuild the canonical string and verify it with the certificate.
func verify(t *testing.T, certPEM []byte, env map[string]any) {
	t.Helper()
	get := func(k string) (string, bool) { v, ok := env[k].(string); return v, ok }
	typ, _ := get("Type")
	keys := []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	if typ != "Notification" {
		keys = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	var b strings.Builder
	for _, k := range keys {
		if v, ok := get(k); ok {
			b.WriteString(k + "\n" + v + "\n")
		}
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sigText, _ := get("Signature")
	sig, err := base64.StdEncoding.DecodeString(sigText)
	if err != nil {
		t.Fatal(err)
	}
	pub := cert.PublicKey.(*rsa.PublicKey)
	ver, _ := get("SignatureVersion")
	if ver == "2" {
		sum := sha256.Sum256([]byte(b.String()))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	} else {
		sum := sha1.Sum([]byte(b.String()))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig)
	}
	if err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
}

// rawServer serves the service's raw routes.
func rawServer(t *testing.T, svc *Service) *httptest.Server {
	mux := http.NewServeMux()
	for _, r := range svc.RawRoutes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// fetchCert downloads the certificate from the SigningCertURL's path.
func fetchCert(t *testing.T, srv *httptest.Server, certURL string) []byte {
	t.Helper()
	i := strings.Index(certURL, "/_nubo/")
	resp, err := http.Get(srv.URL + certURL[i:])
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

func TestDeliverSQSAndLambda(t *testing.T) {
	e := newEnv(t, Config{})
	ft := &fakeTarget{}
	e.svc.SetQueueTarget(ft)
	e.svc.SetFunctionTarget(ft)
	srv := rawServer(t, e.svc)
	a := e.topic("t", map[string]string{"SignatureVersion": "2"})
	e.subscribe(a, "sqs", "arn:aws:sqs:us-east-1:000000000000:env", nil)
	e.subscribe(a, "sqs", "arn:aws:sqs:us-east-1:000000000000:raw", map[string]string{"RawMessageDelivery": "true"})
	e.subscribe(a, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:f", nil)
	e.subscribe(a, "sqs", "arn:aws:sqs:us-east-1:000000000000:filtered", map[string]string{"FilterPolicy": `{"k":["other"]}`})
	id := e.publish(&snsapi.PublishInput{TopicArn: &a, Message: ptr(`{"default":"<b>&","lambda":"for lambda"}`),
		MessageStructure: ptr("json"), Subject: ptr("Hello"),
		MessageAttributes: map[string]snsapi.MessageAttributeValue{"k": {DataType: ptr("String"), StringValue: ptr("v")}}})
	eventually(t, "three deliveries", func() bool { return len(ft.deliveries()) == 3 })
	time.Sleep(20 * time.Millisecond)
	got := map[string]sent{}
	for _, d := range ft.deliveries() {
		got[d.arn[strings.LastIndexByte(d.arn, ':')+1:]] = d
	}
	if _, ok := got["filtered"]; ok || len(got) != 3 {
		t.Fatalf("deliveries = %v", got)
	}
	t.Run("sqs envelope", func(t *testing.T) {
		var env map[string]any
		if err := json.Unmarshal([]byte(got["env"].queue.Body), &env); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
			"Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"} {
			if _, ok := env[k]; !ok {
				t.Errorf("missing %s", k)
			}
		}
		if env["MessageId"] != id || env["Message"] != "<b>&" || env["SignatureVersion"] != "2" {
			t.Fatalf("envelope = %v", env)
		}
		if !strings.Contains(got["env"].queue.Body, `"<b>&"`) {
			t.Fatal("envelope escapes HTML")
		}
		if got["env"].queue.Attributes != nil {
			t.Fatal("non-raw delivery carries SQS attributes")
		}
		verify(t, fetchCert(t, srv, env["SigningCertURL"].(string)), env)
	})
	t.Run("raw", func(t *testing.T) {
		r := got["raw"].queue
		if r.Body != "<b>&" || r.Attributes["k"].StringValue != "v" {
			t.Fatalf("raw = %+v", r)
		}
	})
	t.Run("lambda event", func(t *testing.T) {
		var ev struct {
			Records []struct {
				EventVersion, EventSubscriptionArn, EventSource string
				Sns                                             map[string]any
			}
		}
		if err := json.Unmarshal(got["f"].payload, &ev); err != nil || len(ev.Records) != 1 {
			t.Fatalf("event %s: %v", got["f"].payload, err)
		}
		r := ev.Records[0]
		if r.EventVersion != "1.0" || r.EventSource != "aws:sns" || !strings.HasPrefix(r.EventSubscriptionArn, a+":") {
			t.Fatalf("record = %+v", r)
		}
		for _, k := range []string{"SigningCertUrl", "UnsubscribeUrl", "Signature", "Timestamp"} {
			if _, ok := r.Sns[k]; !ok {
				t.Errorf("missing Sns.%s", k)
			}
		}
		if r.Sns["Message"] != "for lambda" || r.Sns["Subject"] != "Hello" {
			t.Fatalf("Sns = %v", r.Sns)
		}
		attrs := r.Sns["MessageAttributes"].(map[string]any)["k"].(map[string]any)
		if attrs["Type"] != "String" || attrs["Value"] != "v" {
			t.Fatalf("attributes = %v", attrs)
		}
		verify(t, fetchCert(t, srv, r.Sns["SigningCertUrl"].(string)), r.Sns)
	})
	t.Run("metrics", func(t *testing.T) {
		q := metrics.Query{Namespace: "AWS/SNS", MetricName: "NumberOfNotificationsDelivered"}
		eventually(t, "delivered metric", func() bool { return e.rec.Sum(q) == 3 })
		if n := e.rec.Sum(metrics.Query{Namespace: "AWS/SNS", MetricName: "NumberOfMessagesPublished"}); n != 1 {
			t.Fatalf("published = %v", n)
		}
	})
}

func TestLambdaSubjectNull(t *testing.T) {
	e := newEnv(t, Config{})
	ft := &fakeTarget{}
	e.svc.SetFunctionTarget(ft)
	a := e.topic("t", nil)
	e.subscribe(a, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:f", nil)
	e.publish(&snsapi.PublishInput{TopicArn: &a, Message: ptr("From SNS")})
	eventually(t, "delivery", func() bool { return len(ft.deliveries()) == 1 })
	p := string(ft.deliveries()[0].payload)
	if !strings.Contains(p, `"Subject":null`) || !strings.Contains(p, `"MessageAttributes":{}`) {
		t.Fatalf("payload = %s", p)
	}
}

// receiver is an HTTP endpoint recording SNS POSTs.
type receiver struct {
	mu     sync.Mutex
	posts  []map[string]any
	heads  []http.Header
	status int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	r.mu.Lock()
	r.posts = append(r.posts, m)
	r.heads = append(r.heads, req.Header.Clone())
	st := r.status
	r.mu.Unlock()
	if st != 0 {
		w.WriteHeader(st)
	}
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.posts)
}

func TestHTTPHandshake(t *testing.T) {
	e := newEnv(t, Config{})
	rcv := &receiver{}
	hs := httptest.NewServer(rcv)
	defer hs.Close()
	srv := rawServer(t, e.svc)
	a := e.topic("t", nil)
	out := e.must("Subscribe", &snsapi.SubscribeInput{TopicArn: &a, Protocol: ptr("http"), Endpoint: ptr(hs.URL + "/hook")}).(*snsapi.SubscribeOutput)
	if *out.SubscriptionArn != "pending confirmation" {
		t.Fatalf("subscribe = %s", *out.SubscriptionArn)
	}
	eventually(t, "confirmation POST", func() bool { return rcv.count() == 1 })
	conf, h := rcv.posts[0], rcv.heads[0]
	if conf["Type"] != "SubscriptionConfirmation" || h.Get("x-amz-sns-message-type") != "SubscriptionConfirmation" ||
		h.Get("Content-Type") != "text/plain; charset=UTF-8" || h.Get("x-amz-sns-topic-arn") != a {
		t.Fatalf("confirmation = %v, headers %v", conf, h)
	}
	if !strings.Contains(conf["SubscribeURL"].(string), "Action=ConfirmSubscription") {
		t.Fatalf("SubscribeURL = %v", conf["SubscribeURL"])
	}
	verify(t, fetchCert(t, srv, conf["SigningCertURL"].(string)), conf)
	// Publishing before confirmation reaches nobody.
	e.publish(&snsapi.PublishInput{TopicArn: &a, Message: ptr("early")})
	_, err := e.call("ConfirmSubscription", &snsapi.ConfirmSubscriptionInput{TopicArn: &a, Token: ptr("bogus")})
	wantCode(t, err, "InvalidParameterException")
	// Unsigned, as AWS allows.
	ctx := awsapi.WithRequest(context.Background(), &awsapi.Request{Caller: awsapi.Caller{Anonymous: true}, Time: e.clock.Now()})
	c, err := e.svc.ConfirmSubscription(ctx, &snsapi.ConfirmSubscriptionInput{TopicArn: &a, Token: ptr(conf["Token"].(string))})
	if err != nil {
		t.Fatal(err)
	}
	e.publish(&snsapi.PublishInput{TopicArn: &a, Message: ptr("hello"), Subject: ptr("S")})
	eventually(t, "notification POST", func() bool { return rcv.count() == 2 })
	n, nh := rcv.posts[1], rcv.heads[1]
	if n["Type"] != "Notification" || n["Message"] != "hello" || nh.Get("x-amz-sns-subscription-arn") != *c.SubscriptionArn {
		t.Fatalf("notification = %v headers %v", n, nh)
	}
	verify(t, fetchCert(t, srv, n["SigningCertURL"].(string)), n)
	// The unsubscribe link works and is authenticated.
	u := n["UnsubscribeURL"].(string)
	i := strings.Index(u, "/_nubo/")
	if resp, _ := http.Get(srv.URL + u[i:] + "x"); resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatal("tampered unsubscribe link accepted")
	}
	if resp, err := http.Get(srv.URL + u[i:]); err != nil || resp.StatusCode != 200 {
		t.Fatalf("unsubscribe: %v %v", resp, err)
	}
	if _, err := e.call("GetSubscriptionAttributes", &snsapi.GetSubscriptionAttributesInput{SubscriptionArn: c.SubscriptionArn}); err == nil {
		t.Fatal("still subscribed after unsubscribe link")
	}
}

func TestHTTPRetriesThenDrop(t *testing.T) {
	e := newEnv(t, Config{})
	rcv := &receiver{}
	hs := httptest.NewServer(rcv)
	defer hs.Close()
	a := e.topic("t", nil)
	e.subscribe(a, "http", hs.URL, nil)
	eventually(t, "confirmation", func() bool { return rcv.count() == 1 })
	rcv.mu.Lock()
	tok := rcv.posts[0]["Token"].(string)
	rcv.status = http.StatusInternalServerError
	rcv.mu.Unlock()
	e.must("ConfirmSubscription", &snsapi.ConfirmSubscriptionInput{TopicArn: &a, Token: &tok})
	before := rcv.count()
	e.publish(&snsapi.PublishInput{TopicArn: &a, Message: ptr("m")})
	eventually(t, "first attempt", func() bool { return rcv.count() == before+1 })
	for i := 0; i < 3; i++ { // default policy: 3 retries 20 s apart
		want := before + 2 + i
		eventually(t, "retry timer", func() bool { return e.svc.sched.pending() == 1 })
		if err := e.clock.Advance(20 * time.Second); err != nil {
			t.Fatal(err)
		}
		eventually(t, "retry", func() bool { return rcv.count() == want })
	}
	q := metrics.Query{Namespace: "AWS/SNS", MetricName: "NumberOfNotificationsFailed"}
	eventually(t, "failed metric", func() bool { return e.rec.Sum(q) == 1 })
	if err := e.clock.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if rcv.count() != before+4 {
		t.Fatalf("attempts = %d, want 4", rcv.count()-before)
	}
}

func TestRedriveToDLQ(t *testing.T) {
	e := newEnv(t, Config{ManagedRetry: &RetryPolicy{MinDelayTarget: 1, MaxDelayTarget: 1, NumRetries: 2, NumNoDelayRetries: 1}})
	ft := &fakeTarget{fail: func(n int) error {
		return errors.New("queue unavailable")
	}}
	dlq := &fakeTarget{}
	e.svc.SetFunctionTarget(ft)
	e.svc.SetQueueTarget(dlq)
	a := e.topic("t", nil)
	e.subscribe(a, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:f", map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq"}`})
	e.publish(&snsapi.PublishInput{TopicArn: &a, Message: ptr("m")})
	eventually(t, "two attempts", func() bool { return ft.tries() == 2 })
	eventually(t, "retry timer", func() bool { return e.svc.sched.pending() == 1 })
	if err := e.clock.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	eventually(t, "dead-letter delivery", func() bool { return len(dlq.deliveries()) == 1 })
	d := dlq.deliveries()[0]
	if d.arn != "arn:aws:sqs:us-east-1:000000000000:dlq" || !strings.Contains(d.queue.Body, `"Message":"m"`) || ft.tries() != 3 {
		t.Fatalf("dlq = %+v after %d tries", d, ft.tries())
	}
}

func TestPermanentErrorSkipsRetries(t *testing.T) {
	e := newEnv(t, Config{})
	ft := &fakeTarget{fail: func(int) error {
		return &awsapi.Error{Code: "QueueDoesNotExist", Status: 400}
	}}
	e.svc.SetQueueTarget(ft)
	a := e.topic("t", nil)
	e.subscribe(a, "sqs", "arn:aws:sqs:us-east-1:000000000000:gone", nil)
	e.publish(&snsapi.PublishInput{TopicArn: &a, Message: ptr("m")})
	q := metrics.Query{Namespace: "AWS/SNS", MetricName: "NumberOfNotificationsFailed"}
	eventually(t, "failed metric", func() bool { return e.rec.Sum(q) == 1 })
	if ft.tries() != 1 {
		t.Fatalf("tries = %d", ft.tries())
	}
}

func TestDurableFanOut(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.topic("t", nil)
	e.subscribe(a, "sqs", "arn:aws:sqs:us-east-1:000000000000:q", nil)
	failing := &fakeTarget{fail: func(int) error { return errors.New("down") }}
	e.svc.SetQueueTarget(failing)
	id := e.publish(&snsapi.PublishInput{TopicArn: &a, Message: ptr("survives")})
	// 1 attempt + 3 immediate retries, then a retry waits 1 s on the clock.
	eventually(t, "immediate retries", func() bool { return failing.tries() == 4 })
	eventually(t, "retry timer", func() bool { return e.svc.sched.pending() == 1 })
	if err := e.svc.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A new service over the same store resumes the delivery once due.
	e2 := openEnv(t, e.db, e.clock, Config{})
	ok := &fakeTarget{}
	e2.svc.SetQueueTarget(ok)
	time.Sleep(20 * time.Millisecond)
	if len(ok.deliveries()) != 0 {
		t.Fatal("delivered before the retry was due")
	}
	if err := e.clock.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	eventually(t, "resumed delivery", func() bool { return len(ok.deliveries()) == 1 })
	if !strings.Contains(ok.deliveries()[0].queue.Body, id) {
		t.Fatalf("body = %s", ok.deliveries()[0].queue.Body)
	}
	eventually(t, "outbox empty", func() bool {
		n := 0
		_ = e2.svc.outbox.List("", "", 0, func(string, delivery) bool { n++; return true })
		return n == 0
	})
}

func TestWaitsForTarget(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.topic("t", nil)
	e.subscribe(a, "sqs", "arn:aws:sqs:us-east-1:000000000000:q", nil)
	e.publish(&snsapi.PublishInput{TopicArn: &a, Message: ptr("m")})
	eventually(t, "parked", func() bool { return e.svc.sched.parkedCount() == 1 })
	ft := &fakeTarget{}
	e.svc.SetQueueTarget(ft)
	eventually(t, "delivered after SetQueueTarget", func() bool { return len(ft.deliveries()) == 1 })
}

func TestEmailOutbox(t *testing.T) {
	e := newEnv(t, Config{})
	srv := rawServer(t, e.svc)
	a := e.topic("t", nil)
	e.must("Subscribe", &snsapi.SubscribeInput{TopicArn: &a, Protocol: ptr("email"), Endpoint: ptr("me@example.com")})
	list := func(q string) []MailRecord {
		resp, err := http.Get(srv.URL + "/_nubo/sns/messages?" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Messages []MailRecord }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out.Messages
	}
	conf := list("protocol=email&type=SubscriptionConfirmation")
	if len(conf) != 1 || conf[0].Token == "" || !strings.Contains(conf[0].Message, conf[0].SubscribeURL) {
		t.Fatalf("confirmation = %+v", conf)
	}
	e.must("ConfirmSubscription", &snsapi.ConfirmSubscriptionInput{TopicArn: &a, Token: &conf[0].Token})
	e.publish(&snsapi.PublishInput{TopicArn: &a, Message: ptr("Hello mail"), Subject: ptr("Greeting")})
	eventually(t, "email delivered", func() bool { return len(list("type=Notification")) == 1 })
	m := list("type=Notification")[0]
	if m.Subject != "Greeting" || !strings.HasPrefix(m.Message, "Hello mail") || m.Endpoint != "me@example.com" {
		t.Fatalf("mail = %+v", m)
	}
}
