package s3

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
)

var rangeCases = []struct {
	h          string
	size       int64
	start, len int64
	none       bool
	err        string
}{
	{"bytes=0-0", 10, 0, 1, false, ""},
	{"bytes=2-4", 10, 2, 3, false, ""},
	{"bytes=-3", 10, 7, 3, false, ""},
	{"bytes=-30", 10, 0, 10, false, ""},
	{"bytes=8-", 10, 8, 2, false, ""},
	{"bytes=5-100", 10, 5, 5, false, ""},
	{"bytes=10-", 10, 0, 0, false, "InvalidRange"},
	{"bytes=-0", 10, 0, 0, false, "InvalidRange"},
	{"bytes=0-", 0, 0, 0, false, "InvalidRange"},
	{"bytes=4-2", 10, 0, 0, true, ""},
	{"bytes=1-2,4-5", 10, 0, 0, true, ""},
	{"items=1-2", 10, 0, 0, true, ""},
	{"bytes=a-b", 10, 0, 0, true, ""},
}

func TestParseRange(t *testing.T) {
	for _, tc := range rangeCases {
		t.Run(tc.h, func(t *testing.T) {
			r, err := parseRange(tc.h, tc.size)
			if tc.err != "" {
				if awsapi.AsError(err).Code != tc.err {
					t.Fatalf("err %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || (r == nil) != tc.none {
				t.Fatalf("got %+v %v", r, err)
			}
			if r != nil && (r.start != tc.start || r.length != tc.len) {
				t.Fatalf("got %+v", r)
			}
		})
	}
}

func FuzzParseRange(f *testing.F) {
	for _, tc := range rangeCases {
		f.Add(tc.h, tc.size)
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			return
		}
		r, err := parseRange(h, size)
		if err == nil && r != nil && (r.start < 0 || r.length <= 0 || r.start+r.length > size) {
			t.Fatalf("range %+v outside object of %d bytes", r, size)
		}
	})
}

var copySourceCases = []struct {
	in, bucket, key, version, err string
}{
	{"src/key", "src", "key", "", ""},
	{"/src/dir/a%20b", "src", "dir/a b", "", ""},
	{"src/k?versionId=abc", "src", "k", "abc", ""},
	{"src", "", "", "", "InvalidArgument"},
	{"/src/", "", "", "", "InvalidArgument"},
	{"src/k?versionId=", "", "", "", "InvalidArgument"},
	{"src/%zz", "", "", "", "InvalidArgument"},
}

func TestParseCopySource(t *testing.T) {
	for _, tc := range copySourceCases {
		t.Run(tc.in, func(t *testing.T) {
			cs, err := parseCopySource(tc.in)
			if tc.err != "" {
				if awsapi.AsError(err).Code != tc.err {
					t.Fatalf("err %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || cs.bucket != tc.bucket || cs.key != tc.key || cs.versionID != tc.version {
				t.Fatalf("got %+v %v", cs, err)
			}
		})
	}
}

func FuzzParseCopySource(f *testing.F) {
	for _, tc := range copySourceCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := parseCopySource(in)
		if err == nil && (cs.bucket == "" || checkKey(cs.key) != nil) {
			t.Fatalf("accepted %q as %+v", in, cs)
		}
	})
}

var taggingCases = []struct {
	in   string
	n    int
	want string
}{
	{"a=1&b=2", 2, ""},
	{"a=", 1, ""},
	{"k%20x=v%26w", 1, ""},
	{"a=1&a=2", 0, "InvalidTag"},
	{"aws:x=1", 0, "InvalidTag"},
	{"a=%zz", 0, "InvalidArgument"},
	{strings.Repeat("k", 129) + "=v", 0, "InvalidTag"},
	{"1=1&2=2&3=3&4=4&5=5&6=6&7=7&8=8&9=9&10=10&11=11", 0, "BadRequest"},
}

func TestParseTagging(t *testing.T) {
	for _, tc := range taggingCases {
		t.Run(tc.in, func(t *testing.T) {
			tags, err := parseTagging(tc.in)
			if tc.want != "" {
				if awsapi.AsError(err).Code != tc.want {
					t.Fatalf("err %v, want %s", err, tc.want)
				}
				return
			}
			if err != nil || len(tags) != tc.n {
				t.Fatalf("got %v %v", tags, err)
			}
		})
	}
}

func FuzzParseTagging(f *testing.F) {
	for _, tc := range taggingCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tags, err := parseTagging(in)
		if err == nil && len(tags) > 10 {
			t.Fatalf("%d tags accepted", len(tags))
		}
	})
}

func TestKeyEscapingOrder(t *testing.T) {
	keys := []string{"", "a", "a\x00", "a\x00b", "a\x01", "a/", "ab", "b", "\xff"}
	for i := 1; i < len(keys); i++ {
		a, b := versionKey("bk", keys[i-1], 5), versionKey("bk", keys[i], 1)
		if bytes.Compare(a, b) >= 0 {
			t.Fatalf("order of %q and %q not kept", keys[i-1], keys[i])
		}
	}
}

func FuzzVersionKey(f *testing.F) {
	for _, k := range []string{"a", "a\x00b", "../x", "\x00\xff\x00", ""} {
		f.Add(k, uint64(7))
	}
	f.Fuzz(func(t *testing.T, key string, seq uint64) {
		k := versionKey("bucket", key, seq)
		gotKey, gotSeq, err := parseVersionKey("bucket", k)
		if err != nil || gotKey != key || gotSeq != seq {
			t.Fatalf("round trip of %q/%d: %q/%d %v", key, seq, gotKey, gotSeq, err)
		}
		if !bytes.HasPrefix(k, listPrefix("bucket", key)) {
			t.Fatalf("version key of %q outside its listing prefix", key)
		}
	})
}

func TestValidBucketName(t *testing.T) {
	for name, want := range map[string]bool{
		"abc": true, "my.bucket-1": true, strings.Repeat("a", 63): true, strings.Repeat("a", 64): false,
		"ab": false, "-abc": false, "abc-": false, "a..b": false, "Abc": false, "10.0.0.1": false,
		"xn--abc": false, "abc-s3alias": false, "sthree-x": false, "a_b": false,
		"foo.-bar": false, "foo-.bar": false, "foo.bar-baz": true,
	} {
		if validBucketName(name) != want {
			t.Errorf("validBucketName(%q) != %v", name, want)
		}
	}
}

func TestRuleMatching(t *testing.T) {
	r := notifyRule{events: []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"}, prefix: "in/", suffix: ".jpg"}
	cases := []struct {
		event, key string
		want       bool
	}{
		{"ObjectCreated:Put", "in/a.jpg", true},
		{"ObjectCreated:CompleteMultipartUpload", "in/a.jpg", true},
		{"ObjectRemoved:Delete", "in/a.jpg", true},
		{"ObjectRemoved:DeleteMarkerCreated", "in/a.jpg", false},
		{"ObjectCreated:Put", "out/a.jpg", false},
		{"ObjectCreated:Put", "in/a.png", false},
	}
	for _, tc := range cases {
		if r.matches(tc.event, tc.key) != tc.want {
			t.Errorf("%s %s: want %v", tc.event, tc.key, tc.want)
		}
	}
	if formEncode("dir/red flower+1.jpg") != "dir/red+flower%2B1.jpg" {
		t.Errorf("formEncode = %q", formEncode("dir/red flower+1.jpg"))
	}
}

func FuzzDecodeRecord(f *testing.F) {
	for _, rec := range []*objectRecord{
		{Seq: 1, Size: 5, ETag: "abc", Modified: time.Unix(1700000000, 0).UTC(), Meta: map[string]string{"a": "b"}},
		{Seq: 99, DeleteMarker: true, VersionID: newVersionID(99), Modified: time.Unix(0, 5).UTC()},
		{Seq: 7, ChecksumAlg: "CRC32", Checksum: "AAAAAA==", ChecksumType: "FULL_OBJECT", StorageClass: "GLACIER"},
	} {
		f.Add(encodeObject(rec))
	}
	f.Add([]byte{1, 0xff})
	f.Fuzz(func(t *testing.T, v []byte) {
		var lr listRecord
		off, err := decodeListRecord(v, &lr)
		if err != nil {
			return
		}
		if off > len(v) {
			t.Fatalf("offset %d past %d bytes", off, len(v))
		}
		rec, err := decodeObject(v)
		if err != nil {
			return
		}
		again, err := decodeObject(encodeObject(rec))
		if err != nil || again.Seq != rec.Seq || again.Size != rec.Size {
			t.Fatalf("re-encoding %+v: %+v %v", rec, again, err)
		}
	})
}

func TestStripAWSChunked(t *testing.T) {
	cases := []struct{ in, want string }{
		{"gzip", "gzip"},
		{"deflate, gzip", "deflate, gzip"},
		{"deflate,gzip", "deflate,gzip"},
		{"gzip, aws-chunked", "gzip"},
		{"aws-chunked, gzip", "gzip"},
		{"deflate, aws-chunked, gzip", "deflate, gzip"},
		{"aws-chunked", ""},
		{"AWS-Chunked, aws-chunked", ""},
		{"", ""},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := stripAWSChunked(tc.in); got != tc.want {
				t.Fatalf("stripAWSChunked(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
