package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/nubo/nubo/internal/auth"
)

// apiClient makes signed AWS API calls to a running server, for the commands
// that act as a client (invoke, logs). It speaks only the two wire forms they
// need — rest-json and AWS JSON 1.1 — so the binary carries no SDK. It is
// not safe for concurrent use.
type apiClient struct {
	endpoint string
	region   string
	cred     auth.Credential
	http     *http.Client
	signers  map[string]*auth.Signer // by service, made on first use
}

// clientFlags registers the flags every client command shares.
func clientFlags(fs *flag.FlagSet) func() *apiClient {
	ep := fs.String("endpoint", env("ENDPOINT", "http://127.0.0.1:4566"), "Nubo endpoint (NUBO_ENDPOINT)")
	region := fs.String("region", firstEnv("us-east-1", "AWS_REGION", "AWS_DEFAULT_REGION"), "region (AWS_REGION)")
	ak := fs.String("access-key-id", firstEnv("test", "AWS_ACCESS_KEY_ID"), "access key id (AWS_ACCESS_KEY_ID)")
	sk := fs.String("secret-access-key", firstEnv("test", "AWS_SECRET_ACCESS_KEY"), "secret access key (AWS_SECRET_ACCESS_KEY)")
	return func() *apiClient {
		return &apiClient{endpoint: *ep, region: *region,
			cred: auth.Credential{AccessKeyID: *ak, SecretAccessKey: *sk, SessionToken: os.Getenv("AWS_SESSION_TOKEN")},
			http: &http.Client{Timeout: 16 * time.Minute}}
	}
}

// firstEnv returns the first set environment variable of names, else def.
func firstEnv(def string, names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return def
}

// apiError is an AWS error answer.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message) }

// do signs and sends r with body, returning the response (status < 300) or the
// decoded AWS error.
func (c *apiClient) do(r *http.Request, body []byte, service string) (*http.Response, []byte, error) {
	c.signer(service).Sign(r, auth.PayloadHash(body), time.Now())
	resp, err := c.http.Do(r)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode >= 300 {
		e := &apiError{Status: resp.StatusCode, Code: resp.Header.Get("X-Amzn-Errortype")}
		var m struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
			Msg2    string `json:"Message"`
		}
		json.Unmarshal(b, &m)
		if e.Code == "" {
			e.Code = m.Type
		}
		e.Message = m.Message + m.Msg2
		return nil, nil, e
	}
	return resp, b, nil
}

// signer returns the client's signer for service, which keeps the signing
// key between calls (logs tail polls).
func (c *apiClient) signer(service string) *auth.Signer {
	s := c.signers[service]
	if s == nil {
		s = auth.NewSigner(c.cred, c.region, service)
		if c.signers == nil {
			c.signers = make(map[string]*auth.Signer, 1)
		}
		c.signers[service] = s
	}
	return s
}

// jsonCall makes an AWS JSON 1.1 call and decodes the answer into out.
func (c *apiClient) jsonCall(service, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	r, err := http.NewRequest(http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", target)
	_, b, err := c.do(r, body, service)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
