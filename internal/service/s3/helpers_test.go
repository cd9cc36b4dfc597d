package s3

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/edge"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
)

const testAccount = "000000000000"

// fixture is an S3 service behind a real edge on an httptest server.
type fixture struct {
	sys     *service.System
	svc     *Service
	srv     *httptest.Server
	client  *sdks3.Client
	metrics *metrics.Recorder
}

type fixtureOpts struct {
	opts  Options
	db    store.DB
	dir   string
	clock *clock.Virtual
}

func newFixture(t testing.TB, fo fixtureOpts) *fixture {
	t.Helper()
	if fo.db == nil {
		fo.db = store.OpenMemory()
	}
	if fo.dir == "" {
		fo.dir = t.TempDir()
	}
	if fo.clock == nil {
		fo.clock = clock.NewVirtual()
		t.Cleanup(func() { fo.clock.Close() })
	}
	if fo.opts.MinPartSize == 0 {
		fo.opts.MinPartSize = 5 << 20
	}
	rec := metrics.NewRecorder(1000, fo.clock.Now)
	sys := &service.System{Region: "us-east-1", Account: testAccount, DataDir: fo.dir, Clock: fo.clock,
		Store: fo.db, Metrics: rec}
	svc, err := New(sys, fo.opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Stop(context.Background()) })
	f := &fixture{sys: sys, svc: svc, metrics: rec}
	f.srv = httptest.NewServer(newEdge(sys, svc))
	t.Cleanup(f.srv.Close)
	f.client = f.newClient(true)
	return f
}

func newEdge(sys *service.System, svc *Service) *edge.Server {
	creds := auth.NewStaticCredentials(auth.Credential{AccessKeyID: "test", SecretAccessKey: "test",
		Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":root", Root: true, AccessKeyID: "test"}},
		auth.Credential{AccessKeyID: "other", SecretAccessKey: "other",
			Caller: awsapi.Caller{Account: "111111111111", ARN: "arn:aws:iam::111111111111:user/o", UserID: "AIDAOTHER", AccessKeyID: "other"}})
	e := edge.New(edge.Config{Region: "us-east-1", Account: testAccount, Credentials: creds, Now: sys.Clock.Now})
	e.Register(s3api.API(), svc.Handlers())
	return e
}

// newClient returns an SDK client; with pathStyle false it addresses buckets
// as <bucket>.localhost, dialled to the test server.
func (f *fixture) newClient(pathStyle bool, optFns ...func(*sdks3.Options)) *sdks3.Client {
	addr := f.srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	endpoint := f.srv.URL
	hc := http.DefaultClient
	if !pathStyle {
		endpoint = "http://localhost:" + port
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}
		hc = &http.Client{Transport: tr}
	}
	return sdks3.NewFromConfig(aws.Config{Region: "us-east-1", HTTPClient: hc, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}, func(o *sdks3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = pathStyle
		for _, fn := range optFns {
			fn(o)
		}
	})
}

// errCode returns the AWS error code of err ("" for nil).
func errCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return err.Error()
}

func (f *fixture) mkBucket(t testing.TB, name string) {
	t.Helper()
	if _, err := f.client.CreateBucket(context.Background(), &sdks3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
}

func (f *fixture) put(t testing.TB, bucket, key, body string) *sdks3.PutObjectOutput {
	t.Helper()
	out, err := f.client.PutObject(context.Background(), &sdks3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: strings.NewReader(body)})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return out
}

// recordingNotifier collects deliveries; fail makes deliveries fail.
type recordingNotifier struct {
	mu     sync.Mutex
	got    []delivered
	fail   bool
	signal chan struct{}
}

type delivered struct {
	target Target
	event  string
}

func newRecordingNotifier() *recordingNotifier {
	return &recordingNotifier{signal: make(chan struct{}, 100)}
}

func (n *recordingNotifier) Deliver(_ context.Context, t Target, event []byte) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail {
		return errors.New("target unavailable")
	}
	n.got = append(n.got, delivered{t, string(event)})
	select {
	case n.signal <- struct{}{}:
	default:
	}
	return nil
}

func (n *recordingNotifier) deliveries() []delivered {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]delivered(nil), n.got...)
}
