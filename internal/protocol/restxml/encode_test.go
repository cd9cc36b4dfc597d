package restxml

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/s3test"
	"github.com/nubo/nubo/internal/protocol/rest"
)

func ptr[T any](v T) *T { return &v }

var modTime = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func s3Req(op, method string) *awsapi.Request {
	svc := s3test.API()
	return &awsapi.Request{ID: "req-1", Service: svc, Operation: svc.Operations[op], Protocol: awsapi.ProtocolRestXML,
		HTTP: httptest.NewRequest(method, "/", nil)}
}

// render writes status, sorted headers and body as one text for goldens.
func render(rec *httptest.ResponseRecorder) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d\n", rec.Code)
	keys := make([]string, 0, len(rec.Header()))
	for k := range rec.Header() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(rec.Header()[k], ", "))
	}
	b.WriteString("\n")
	b.Write(rec.Body.Bytes())
	b.WriteString("\n")
	return b.Bytes()
}

func TestEncodeResponseGolden(t *testing.T) {
	cases := []struct {
		name   string
		req    *awsapi.Request
		out    any
		status int
	}{
		{"list-buckets", s3Req("ListBuckets", "GET"), &s3test.ListBucketsOutput{
			Buckets: []s3test.Bucket{{Name: ptr("b1"), CreationDate: &modTime}, {Name: ptr("b2"), CreationDate: &modTime}},
			Owner:   &s3test.Owner{ID: ptr("000000000000"), DisplayName: ptr("nubo")}}, 200},
		{"list-objects-v2", s3Req("ListObjectsV2", "GET"), &s3test.ListObjectsV2Output{Name: ptr("b"), Prefix: ptr(""), KeyCount: ptr(int32(1)),
			MaxKeys: ptr(int32(1000)), IsTruncated: ptr(false), Contents: []s3test.Object{{Key: ptr("a&b.txt"), LastModified: &modTime,
				ETag: ptr(`"5eb63bbbe01eeed093cb22bb8f5acdc3"`), Size: ptr(int64(11)), StorageClass: ptr("STANDARD")}},
			CommonPrefixes: []s3test.CommonPrefix{{Prefix: ptr("dir/")}}}, 200},
		{"get-bucket-location", s3Req("GetBucketLocation", "GET"), &s3test.GetBucketLocationOutput{LocationConstraint: ptr("eu-west-1")}, 200},
		{"create-multipart-upload", s3Req("CreateMultipartUpload", "POST"), &s3test.CreateMultipartUploadOutput{Bucket: ptr("b"), Key: ptr("k"), UploadId: ptr("u1")}, 200},
		{"delete-objects", s3Req("DeleteObjects", "POST"), &s3test.DeleteObjectsOutput{Deleted: []s3test.DeletedObject{{Key: ptr("k1")}, {Key: ptr("k2")}}}, 200},
		{"put-object", s3Req("PutObject", "PUT"), &s3test.PutObjectOutput{ETag: ptr(`"5eb63bbbe01eeed093cb22bb8f5acdc3"`)}, 200},
		{"delete-object", s3Req("DeleteObject", "DELETE"), &s3test.DeleteObjectOutput{}, 204},
		{"head-object", s3Req("HeadObject", "HEAD"), &s3test.HeadObjectOutput{ContentLength: ptr(int64(11)), ContentType: ptr("text/plain"),
			LastModified: &modTime, ETag: ptr(`"e"`), Metadata: map[string]string{"color": "red"}}, 200},
		{"get-object", s3Req("GetObject", "GET"), &s3test.GetObjectOutput{Body: io.NopCloser(strings.NewReader("hello world")),
			ContentLength: ptr(int64(11)), ContentType: ptr("text/plain"), LastModified: &modTime, ETag: ptr(`"e"`)}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := (Codec{}).EncodeResponse(rec, tc.req, tc.out); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			golden(t, filepath.Join("encode", tc.name+".txt"), render(rec))
		})
	}
}

func TestEncodeErrorGolden(t *testing.T) {
	cases := []struct {
		name   string
		req    *awsapi.Request
		err    *awsapi.Error
		status int
	}{
		{"no-such-key", s3Req("GetObject", "GET"), (&awsapi.Error{Code: "NoSuchKey", Message: "The specified key does not exist."}).With("Key", "a<b"), 404},
		{"no-such-bucket", s3Req("ListObjectsV2", "GET"), (&awsapi.Error{Code: "NoSuchBucket", Message: "The specified bucket does not exist"}).With("BucketName", "b"), 404},
		{"head-not-found", s3Req("HeadObject", "HEAD"), &awsapi.Error{Code: "NotFound", Status: 404, Message: "Not Found"}, 404},
		{"access-denied", s3Req("GetObject", "GET"), &awsapi.Error{Code: "AccessDenied", Status: 403, Message: "Access Denied"}, 403},
		{"not-implemented", s3Req("GetObject", "GET"), awsapi.NotImplemented("s3", "GetBucketAcl"), 501},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Codec{}.EncodeError(rec, tc.req, tc.err)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			golden(t, filepath.Join("errors", tc.name+".txt"), render(rec))
		})
	}
}

// fakeS3 is an in-memory bucket behind the codec, enough for the SDK tests.
type fakeS3 struct {
	objects map[string][]byte
	meta    map[string]map[string]string
}

func (f *fakeS3) handle(op string, in any) (any, error) {
	switch in := in.(type) {
	case *s3test.ListBucketsInput:
		return &s3test.ListBucketsOutput{Buckets: []s3test.Bucket{{Name: ptr("b"), CreationDate: &modTime}}}, nil
	case *s3test.PutObjectInput:
		b, err := io.ReadAll(in.Body)
		if err != nil {
			return nil, err
		}
		in.Body.Close()
		f.objects[*in.Key], f.meta[*in.Key] = b, in.Metadata
		return &s3test.PutObjectOutput{ETag: ptr(`"etag"`)}, nil
	case *s3test.HeadObjectInput:
		b, ok := f.objects[*in.Key]
		if !ok {
			return nil, &awsapi.Error{Code: "NotFound", Status: 404, Message: "Not Found"}
		}
		return &s3test.HeadObjectOutput{ContentLength: ptr(int64(len(b))), LastModified: &modTime, ETag: ptr(`"etag"`),
			ContentType: ptr("text/plain"), Metadata: f.meta[*in.Key]}, nil
	case *s3test.GetObjectInput:
		b, ok := f.objects[*in.Key]
		if !ok {
			return nil, (&awsapi.Error{Code: "NoSuchKey", Message: "The specified key does not exist."}).With("Key", *in.Key)
		}
		return &s3test.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(b)), ContentLength: ptr(int64(len(b))), LastModified: &modTime,
			Metadata: f.meta[*in.Key]}, nil
	case *s3test.DeleteObjectsInput:
		out := &s3test.DeleteObjectsOutput{}
		for _, o := range in.Delete.Objects {
			delete(f.objects, *o.Key)
			out.Deleted = append(out.Deleted, s3test.DeletedObject{Key: o.Key})
		}
		return out, nil
	case *s3test.GetBucketLocationInput:
		return &s3test.GetBucketLocationOutput{LocationConstraint: ptr("eu-west-1")}, nil
	}
	return nil, awsapi.NotImplemented("s3", op)
}

func serveS3(t *testing.T, f *fakeS3) *httptest.Server {
	svc := s3test.API()
	router := rest.NewRouter(svc)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := Codec{}
		req := &awsapi.Request{ID: "req-1", Service: svc, HTTP: r}
		op, ok := router.MatchRequest(r)
		if !ok {
			c.EncodeError(w, req, &awsapi.Error{Code: "MethodNotAllowed", Status: 405})
			return
		}
		req.Operation = op
		if !op.Implemented {
			c.EncodeError(w, req, awsapi.NotImplemented("s3", op.Name))
			return
		}
		in := op.NewInput()
		if err := c.DecodeRequest(op, r, r.Body, in); err != nil {
			c.EncodeError(w, req, awsapi.AsError(err))
			return
		}
		out, err := f.handle(op.Name, in)
		if err != nil {
			c.EncodeError(w, req, awsapi.AsError(err))
			return
		}
		if err := c.EncodeResponse(w, req, out); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSDKS3(t *testing.T) {
	srv := serveS3(t, &fakeS3{objects: map[string][]byte{}, meta: map[string]map[string]string{}})
	client := s3.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1}, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()

	lb, err := client.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "b" || !lb.Buckets[0].CreationDate.Equal(modTime) {
		t.Errorf("ListBuckets = %+v", lb.Buckets)
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("dir/k 1"),
		Body: strings.NewReader("hello world"), Metadata: map[string]string{"color": "red"}}); err != nil {
		t.Fatal(err)
	}
	ho, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("dir/k 1")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(ho.ContentLength) != 11 || ho.Metadata["color"] != "red" || !ho.LastModified.Equal(modTime) || aws.ToString(ho.ETag) != `"etag"` {
		t.Errorf("HeadObject = len %d meta %v modified %v", aws.ToInt64(ho.ContentLength), ho.Metadata, ho.LastModified)
	}
	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("dir/k 1")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "hello world" {
		t.Errorf("GetObject body = %q", body)
	}
	loc, err := client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("b")})
	if err != nil {
		t.Fatal(err)
	}
	if loc.LocationConstraint != "eu-west-1" {
		t.Errorf("GetBucketLocation = %q", loc.LocationConstraint)
	}
	do, err := client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("b"),
		Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String("dir/k 1")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(do.Deleted) != 1 || aws.ToString(do.Deleted[0].Key) != "dir/k 1" {
		t.Errorf("DeleteObjects = %+v", do.Deleted)
	}

	_, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("missing")})
	var nsk *s3types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Errorf("GetObject missing = %v, want NoSuchKey", err)
	}
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("missing")})
	var nf *s3types.NotFound
	if !errors.As(err, &nf) {
		t.Errorf("HeadObject missing = %v, want NotFound", err)
	}
	_, err = client.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("b")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NotImplemented" || !strings.Contains(ae.ErrorMessage(), "GetBucketAcl") {
		t.Errorf("GetBucketAcl = %v, want NotImplemented naming the operation", err)
	}
}
