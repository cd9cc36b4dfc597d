package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/auth"
)

// benchCred is the dev credential pair both Nubo and moto accept.
var benchCred = auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}

// leanClient speaks AWS JSON 1.0 SendMessage over plain net/http with
// keep-alive: one SigV4-signed POST per message, the answer's status checked
// and its MD5OfMessageBody compared with the body sent, as the SDK does. It is
// the lighter load generator, so that the single-message figure shows the
// server rather than the SDK's middleware stack sharing its two cores.
type leanClient struct {
	url    string
	client *http.Client
	signer *auth.Signer // keeps the signing key, as the SDKs do
}

func newLeanClient(url string, conc int) *leanClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 4 * (conc + 8)
	tr.MaxIdleConnsPerHost = 2 * (conc + 8)
	tr.DisableCompression = true
	return &leanClient{url: strings.TrimRight(url, "/") + "/", client: &http.Client{Transport: tr},
		signer: auth.NewSigner(benchCred, "us-east-1", "sqs")}
}

// sendRequest is the JSON input of SendMessage as the SDKs write it.
type sendRequest struct {
	QueueUrl    string
	MessageBody string
}

// sendResponse is the part of the SendMessage output the client checks.
type sendResponse struct {
	MessageId        string
	MD5OfMessageBody string
}

// sendMessage sends body to queueURL and checks the answer.
func (c *leanClient) sendMessage(ctx context.Context, queueURL, body string) error {
	payload, err := json.Marshal(sendRequest{QueueUrl: queueURL, MessageBody: body})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
	c.signer.Sign(req, auth.PayloadHash(payload), time.Now())
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("SendMessage: %d %s", resp.StatusCode, data)
	}
	var out sendResponse
	if err := json.Unmarshal(data, &out); err != nil {
		return fmt.Errorf("SendMessage: answer %q: %w", data, err)
	}
	sum := md5.Sum([]byte(body))
	if out.MessageId == "" || out.MD5OfMessageBody != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("SendMessage: answer %q lacks the MessageId or the body's MD5", data)
	}
	return nil
}
