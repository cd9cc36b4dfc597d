package auth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The captures and the secret of AKIDEXAMPLE come from
// /work/shared/reference/captures (see sigv4_verify_check.py there).
const (
	captureDir    = "/work/shared/reference/captures"
	exampleKey    = "AKIDEXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

// capture is one request from a capture file.
type capture struct {
	file, name string
	method     string
	url        string
	header     [][2]string // in capture order
	body       []byte
	skip       string // reason the capture cannot be replayed
	presign    bool
	postFields map[string]string
}

var (
	reqLine   = regexp.MustCompile(`^(GET|PUT|POST|DELETE|HEAD) (https?://\S+)`)
	urlRe     = regexp.MustCompile(`https?://[^\s']+`)
	fieldRe   = regexp.MustCompile(`'([A-Za-z][\w-]*)': '([^']*)'`)
	headerRe  = regexp.MustCompile(`^  ([A-Za-z0-9-]+): ?(.*)$`)
	captureRe = regexp.MustCompile(`^### (.*)$`)
)

func parseCaptures(t *testing.T) []*capture {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(captureDir, "*.txt"))
	if len(files) == 0 {
		t.Skip("no captures in " + captureDir)
	}
	var out []*capture
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cur *capture
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := captureRe.FindStringSubmatch(line); m != nil {
				cur = &capture{file: filepath.Base(f), name: m[1]}
				out = append(out, cur)
				parseTitleURL(cur, m[1])
				continue
			}
			if cur != nil {
				parseCaptureLine(cur, line)
			}
		}
	}
	return out
}

func parseTitleURL(c *capture, title string) {
	if u := urlRe.FindString(title); u != "" && strings.Contains(title, "presign") {
		c.url, c.presign = u, true
		c.method = presignMethod(title)
	}
}

func presignMethod(title string) string {
	if strings.Contains(strings.ToLower(title), "put") {
		return http.MethodPut
	}
	return http.MethodGet
}

func parseCaptureLine(c *capture, line string) {
	lower := strings.ToLower(c.name)
	switch {
	case strings.Contains(lower, "presigned post"):
		if m := fieldRe.FindAllStringSubmatch(line, -1); m != nil {
			c.postFields = map[string]string{}
			for _, kv := range m {
				c.postFields[kv[1]] = kv[2]
			}
		}
	case c.method == "" && strings.Contains(lower, "presign"):
		if u := urlRe.FindString(line); u != "" {
			c.url, c.presign, c.method = u, true, presignMethod(c.name)
		}
	case c.method == "":
		if m := reqLine.FindStringSubmatch(line); m != nil {
			c.method, c.url = m[1], m[2]
		}
	case strings.HasPrefix(line, "  BODY: "):
		c.body, c.skip = parseBody(strings.TrimPrefix(line, "  BODY: "))
	case c.body == nil && c.skip == "":
		if m := headerRe.FindStringSubmatch(line); m != nil {
			c.header = append(c.header, [2]string{m[1], m[2]})
		}
	}
}

func parseBody(s string) ([]byte, string) {
	switch {
	case s == "None":
		return []byte{}, ""
	case strings.HasPrefix(s, "<"):
		return nil, "streamed body not captured"
	case strings.HasPrefix(s, `"`):
		if u, err := strconv.Unquote(s); err == nil {
			return []byte(u), ""
		}
		var u string
		if err := json.Unmarshal([]byte(s), &u); err == nil {
			return []byte(u), ""
		}
		return nil, "undecodable body"
	}
	return []byte(s), ""
}

// serverRequest builds the request as net/http's server would hand it over.
func (c *capture) serverRequest(mutPath, mutQuery string, body []byte, hdr map[string]string) (*http.Request, error) {
	u, err := url.Parse(c.url)
	if err != nil {
		return nil, err
	}
	rawPathQuery := strings.TrimPrefix(c.url, u.Scheme+"://"+u.Host)
	target, query, _ := strings.Cut(rawPathQuery, "?")
	target += mutPath
	if target == "" {
		target = "/"
	}
	if q := query + mutQuery; q != "" {
		target += "?" + q
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", c.method, target)
	hasHost, hasLen := false, false
	for _, h := range c.header {
		k, v := h[0], h[1]
		if m, ok := hdr[strings.ToLower(k)]; ok {
			v = m
		}
		switch strings.ToLower(k) {
		case "host":
			hasHost = true
		case "content-length":
			hasLen = true
			v = strconv.Itoa(len(body))
		}
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	if !hasHost {
		fmt.Fprintf(&b, "Host: %s\r\n", u.Host)
	}
	if !hasLen && len(body) > 0 {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return http.ReadRequest(bufio.NewReader(&b))
}

// signedHeadersCaptured reports whether every signed header was captured.
func (c *capture) signedHeadersCaptured() (bool, string) {
	have := map[string]bool{"host": true}
	auth := ""
	for _, h := range c.header {
		have[strings.ToLower(h[0])] = true
		if strings.EqualFold(h[0], "Authorization") {
			auth = h[1]
		}
	}
	m := regexp.MustCompile(`SignedHeaders=([^,]+)`).FindStringSubmatch(auth)
	if m == nil {
		return false, "no SigV4 Authorization header"
	}
	for _, n := range strings.Split(m[1], ";") {
		if !have[n] {
			return false, "signed header " + n + " not captured"
		}
	}
	return true, ""
}

// requestTime returns the time to pin the clock to.
func (c *capture) requestTime() time.Time {
	for _, h := range c.header {
		if strings.EqualFold(h[0], "X-Amz-Date") {
			t, _ := time.Parse(amzDateFormat, h[1])
			return t
		}
	}
	u, _ := url.Parse(c.url)
	q := u.Query()
	if d := q.Get("X-Amz-Date"); d != "" {
		t, _ := time.Parse(amzDateFormat, d)
		return t.Add(time.Minute)
	}
	if e := q.Get("Expires"); e != "" {
		n, _ := strconv.ParseInt(e, 10, 64)
		return time.Unix(n, 0).Add(-5 * time.Minute)
	}
	return time.Time{}
}

func exampleVerifier(now time.Time) *Verifier {
	return &Verifier{
		Credentials: NewStaticCredentials(Credential{AccessKeyID: exampleKey, SecretAccessKey: exampleSecret}),
		Now:         func() time.Time { return now },
	}
}

// verifyAll verifies r and reads its body to EOF, returning the first error.
func verifyAll(v *Verifier, r *http.Request, opts VerifyOptions) (*Result, []byte, error) {
	res, err := v.Verify(r, opts)
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(res.Body)
	return res, b, err
}
