package s3

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/checksum"
)

// fill puts n small objects named prefix%05d concurrently.
func (f *fixture) fill(t testing.TB, bucket, prefix string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, err := f.client.PutObject(context.Background(), &sdks3.PutObjectInput{Bucket: aws.String(bucket),
				Key: aws.String(fmt.Sprintf("%s%05d", prefix, i)), Body: strings.NewReader("v")})
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestSDKListPagination10k(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 10k objects")
	}
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "many")
	f.fill(t, "many", "p/", 10000)
	f.put(t, "many", "q", "outside the prefix")
	seen := 0
	pages := sdks3.NewListObjectsV2Paginator(f.client, &sdks3.ListObjectsV2Input{Bucket: aws.String("many"), Prefix: aws.String("p/")})
	prev := ""
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Contents {
			if k := aws.ToString(o.Key); k <= prev {
				t.Fatalf("keys out of order: %q after %q", k, prev)
			} else {
				prev = k
			}
			seen++
		}
	}
	if seen != 10000 {
		t.Fatalf("listed %d keys, want 10000", seen)
	}
	v1 := sdks3.NewListObjectsV2Paginator(f.client, &sdks3.ListObjectsV2Input{Bucket: aws.String("many"), MaxKeys: aws.Int32(999)})
	total := 0
	for v1.HasMorePages() {
		p, err := v1.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total += len(p.Contents)
	}
	if total != 10001 {
		t.Fatalf("listed %d keys, want 10001", total)
	}
	marker, total := "", 0
	for {
		p, err := f.client.ListObjects(ctx, &sdks3.ListObjectsInput{Bucket: aws.String("many"), Marker: aws.String(marker)})
		if err != nil {
			t.Fatal(err)
		}
		total += len(p.Contents)
		if !aws.ToBool(p.IsTruncated) {
			break
		}
		marker = aws.ToString(p.NextMarker)
	}
	if total != 10001 {
		t.Fatalf("v1 listed %d keys", total)
	}
}

func TestSDKListDelimiterAndEncoding(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "tree")
	for _, k := range []string{"a/1", "a/2", "b/x/1", "b/y", "c", "d e+f", "a-z"} {
		f.put(t, "tree", k, "v")
	}
	cases := []struct {
		name      string
		in        sdks3.ListObjectsV2Input
		keys, cps string
		truncated bool
	}{
		{"delimiter", sdks3.ListObjectsV2Input{Delimiter: aws.String("/")}, "a-z,c,d e+f", "a/,b/", false},
		{"prefix+delimiter", sdks3.ListObjectsV2Input{Prefix: aws.String("b/"), Delimiter: aws.String("/")}, "b/y", "b/x/", false},
		{"max 2 with prefixes", sdks3.ListObjectsV2Input{Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)}, "a-z", "a/", true},
		{"start after", sdks3.ListObjectsV2Input{StartAfter: aws.String("b/y")}, "c,d e+f", "", false},
		{"start after prefix", sdks3.ListObjectsV2Input{StartAfter: aws.String("a/"), Delimiter: aws.String("/")}, "c,d e+f", "b/", false},
		{"max 0", sdks3.ListObjectsV2Input{MaxKeys: aws.Int32(0)}, "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Bucket = aws.String("tree")
			out, err := f.client.ListObjectsV2(ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			var keys, cps []string
			for _, o := range out.Contents {
				keys = append(keys, aws.ToString(o.Key))
			}
			for _, p := range out.CommonPrefixes {
				cps = append(cps, aws.ToString(p.Prefix))
			}
			if strings.Join(keys, ",") != tc.keys || strings.Join(cps, ",") != tc.cps || aws.ToBool(out.IsTruncated) != tc.truncated {
				t.Fatalf("keys %q prefixes %q truncated %v", keys, cps, aws.ToBool(out.IsTruncated))
			}
		})
	}
	out, err := f.client.ListObjectsV2(ctx, &sdks3.ListObjectsV2Input{Bucket: aws.String("tree"), Prefix: aws.String("d"),
		EncodingType: types.EncodingTypeUrl})
	if err != nil || len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "d+e%2Bf" || out.EncodingType != types.EncodingTypeUrl {
		t.Fatalf("url encoding: %+v %v", out, err)
	}
	if got, _ := url.QueryUnescape(aws.ToString(out.Contents[0].Key)); got != "d e+f" {
		t.Fatalf("unquote_plus gives %q", got)
	}
	// S3 omits an empty delimiter from the answer and lists every key.
	out, err = f.client.ListObjectsV2(ctx, &sdks3.ListObjectsV2Input{Bucket: aws.String("tree"), Delimiter: aws.String("")})
	if err != nil || out.Delimiter != nil || len(out.Contents) != 7 || len(out.CommonPrefixes) != 0 {
		t.Fatalf("empty delimiter: %+v %v", out, err)
	}
	v1, err := f.client.ListObjects(ctx, &sdks3.ListObjectsInput{Bucket: aws.String("tree"), Delimiter: aws.String("")})
	if err != nil || v1.Delimiter != nil || len(v1.Contents) != 7 {
		t.Fatalf("v1 empty delimiter: %+v %v", v1, err)
	}
	v1, err = f.client.ListObjects(ctx, &sdks3.ListObjectsInput{Bucket: aws.String("tree"), Prefix: aws.String("d e"), EncodingType: types.EncodingTypeUrl})
	if err != nil || aws.ToString(v1.Prefix) != "d e" || len(v1.Contents) != 1 || aws.ToString(v1.Contents[0].Key) != "d+e%2Bf" {
		t.Fatalf("v1 url encoding: %+v %v", v1, err)
	}
}

// rawPut sends a signed PUT over a raw connection, writing only sent of the
// declared bytes, and returns the status line ("" if the server closed).
func rawPut(t *testing.T, f *fixture, key string, declared int64, sent []byte, payloadHash string, closeEarly bool) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, f.srv.URL+"/raw/"+key, nil)
	req.ContentLength = declared
	req.Header.Set("Content-Length", fmt.Sprint(declared))
	auth.SignV4(req, payloadHash, auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}, "us-east-1", "s3", time.Now())
	conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "PUT /raw/%s HTTP/1.1\r\nHost: %s\r\n", key, req.Host)
	for k, vs := range req.Header {
		fmt.Fprintf(&b, "%s: %s\r\n", k, vs[0])
	}
	b.WriteString("\r\n")
	conn.Write([]byte(b.String()))
	conn.Write(sent)
	if closeEarly {
		conn.(*net.TCPConn).CloseWrite()
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line)
}

func TestIncompleteUploadsStoreNothing(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.mkBucket(t, "raw")
	big := []byte(strings.Repeat("z", 200<<10))
	cases := []struct {
		name     string
		declared int64
		sent     []byte
		hash     string
	}{
		{"disconnect mid-upload (blob path)", 1 << 20, big, "UNSIGNED-PAYLOAD"},
		{"disconnect mid-upload (inline path)", 1000, []byte("short"), "UNSIGNED-PAYLOAD"},
		{"body shorter than signed hash", 5, []byte("hello"), auth.PayloadHash([]byte("hello world"))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status := rawPut(t, f, "obj", tc.declared, tc.sent, tc.hash, true)
			if strings.Contains(status, " 200 ") {
				t.Fatalf("status %q", status)
			}
			waitFor(t, func() bool {
				entries, _ := os.ReadDir(f.sys.DataDir + "/s3/blobs")
				return len(entries) == 0
			})
			if _, err := f.svc.getVersion(context.Background(), "raw", "obj", "", false); awsapi.AsError(err).Code != "NoSuchKey" {
				t.Fatalf("partial object visible: %v", err)
			}
		})
	}
	if status := rawPut(t, f, "ok", 5, []byte("hello"), auth.PayloadHash([]byte("hello")), false); !strings.Contains(status, " 200 ") {
		t.Fatalf("complete raw put: %q", status)
	}
}

func TestBucketPolicyEnforced(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "guarded")
	f.put(t, "guarded", "public/x", "pub")
	f.put(t, "guarded", "private/y", "priv")
	other := f.newClient(true)
	other = sdks3.New(other.Options(), func(o *sdks3.Options) {
		o.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "other", SecretAccessKey: "other"}, nil
		}))
	})
	get := func(c *sdks3.Client, key string) error {
		out, err := c.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("guarded"), Key: aws.String(key)})
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	if err := get(other, "public/x"); errCode(err) != "AccessDenied" {
		t.Fatalf("foreign account without policy: %v", err)
	}
	for _, tc := range []struct{ doc, want string }{
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`, "MalformedPolicy"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::guarded/*"}]}`, "MalformedPolicy"},
		{`not json`, "MalformedPolicy"},
	} {
		if _, err := f.client.PutBucketPolicy(ctx, &sdks3.PutBucketPolicyInput{Bucket: aws.String("guarded"), Policy: aws.String(tc.doc)}); errCode(err) != tc.want {
			t.Fatalf("policy %s: %v", tc.doc, err)
		}
	}
	doc := `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::guarded/public/*"},
	 {"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::guarded/private/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	if _, err := f.client.PutBucketPolicy(ctx, &sdks3.PutBucketPolicyInput{Bucket: aws.String("guarded"), Policy: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	if err := get(other, "public/x"); err != nil {
		t.Fatalf("allowed foreign read: %v", err)
	}
	if err := get(other, "private/y"); errCode(err) != "AccessDenied" {
		t.Fatalf("foreign read outside the allow: %v", err)
	}
	if err := get(f.client, "private/y"); errCode(err) != "AccessDenied" {
		t.Fatalf("owner read denied over plain HTTP: %v", err)
	}
	gp, err := f.client.GetBucketPolicy(ctx, &sdks3.GetBucketPolicyInput{Bucket: aws.String("guarded")})
	if err != nil || aws.ToString(gp.Policy) != doc {
		t.Fatalf("get policy: %v", err)
	}
	if _, err := f.client.DeleteBucketPolicy(ctx, &sdks3.DeleteBucketPolicyInput{Bucket: aws.String("guarded")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.GetBucketPolicy(ctx, &sdks3.GetBucketPolicyInput{Bucket: aws.String("guarded")}); errCode(err) != "NoSuchBucketPolicy" {
		t.Fatalf("after delete: %v", err)
	}
	resp, err := http.Get(f.srv.URL + "/guarded/public/x")
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("anonymous get: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

func TestAWSChunkedUploads(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.mkBucket(t, "chunky")
	data := []byte(strings.Repeat("chunk data ", 20000))
	cases := []struct {
		name string
		alg  checksum.Algorithm
	}{{"signed chunks", ""}, {"signed chunks with crc32c trailer", checksum.CRC32C}, {"crc64nvme trailer", checksum.CRC64NVME}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPut, f.srv.URL+"/chunky/obj", nil)
			if err := auth.SignV4Chunked(req, data, 64<<10, tc.alg, auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"},
				"us-east-1", "s3", time.Now()); err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || (tc.alg != "" && resp.Header.Get(tc.alg.HeaderName()) == "") {
				t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
			}
			out, err := f.client.GetObject(context.Background(), &sdks3.GetObjectInput{Bucket: aws.String("chunky"), Key: aws.String("obj"),
				ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if string(b) != string(data) || aws.ToString(out.ContentEncoding) != "" {
				t.Fatalf("read back %d bytes, content-encoding %q", len(b), aws.ToString(out.ContentEncoding))
			}
		})
	}
}
