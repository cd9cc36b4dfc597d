package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/service/lambda"
	"github.com/nubo/nubo/internal/service/s3"
	"github.com/nubo/nubo/internal/service/sns"
	"github.com/nubo/nubo/internal/service/sqs"
)

// The adapters below connect services through their exported Go APIs, so that
// no service imports another's internals (ARCHITECTURE.md).

// functionTarget lets SNS subscriptions invoke functions asynchronously.
type functionTarget struct{ lambda *lambda.Service }

func (t functionTarget) InvokeLambdaAsync(ctx context.Context, functionARN string, payload []byte) error {
	return t.lambda.InvokeAsync(ctx, functionARN, payload)
}

// s3Notifier delivers S3 event notifications: to functions as asynchronous
// invocations, to topics as SNS messages (subject "Amazon S3 Notification", as
// S3 sends them) and to queues once SQS is wired.
type s3Notifier struct {
	lambda *lambda.Service
	sns    *sns.Service
	sqs    func(ctx context.Context, queueARN string, body []byte) error
}

func (n s3Notifier) Deliver(ctx context.Context, target s3.Target, event []byte) error {
	switch target.Type {
	case s3.TargetLambda:
		return n.lambda.InvokeAsync(ctx, target.ARN, event)
	case s3.TargetSNS:
		_, err := n.sns.PublishMessage(ctx, target.ARN, "Amazon S3 Notification", string(event), nil)
		return err
	case s3.TargetSQS:
		if n.sqs != nil {
			return n.sqs(ctx, target.ARN, event)
		}
	}
	return fmt.Errorf("s3 notification target %s %s is not available", target.Type, target.ARN)
}

// s3CodeSource lets CreateFunction and UpdateFunctionCode read packages from S3.
type s3CodeSource struct{ s3 *s3.Service }

func (c s3CodeSource) OpenCode(ctx context.Context, bucket, key, version string) (io.ReadCloser, error) {
	rc, _, _, err := c.s3.OpenObject(ctx, bucket, key, version)
	return rc, err
}

// s3Raw adapts the S3 service's preflight and POST handling to the edge.
type s3Raw struct{ s3 *s3.Service }

func (r s3Raw) Preflight(bucket, origin, method, headers string) (http.Header, error) {
	return r.s3.Preflight(bucket, origin, method, headers)
}

func (r s3Raw) PostObject(ctx context.Context, bucket string, req *http.Request,
	verify func(context.Context, map[string]string) (*auth.PostPolicy, error)) (int, http.Header, []byte, error) {
	res, err := r.s3.PostObject(ctx, bucket, req, verify)
	if err != nil {
		return 0, nil, nil, err
	}
	return res.Status, res.Header, res.Body, nil
}

// queueSender sends messages to SQS queues for the services that deliver to
// them: SNS subscriptions, S3 notifications and Lambda destinations/DLQs.
type queueSender struct{ sqs *sqs.Service }

// DeliverSQS implements sns.QueueTarget.
func (q queueSender) DeliverSQS(ctx context.Context, queueARN string, m sns.QueueMessage) error {
	attrs := make(map[string]sqs.MessageAttribute, len(m.Attributes))
	for name, v := range m.Attributes {
		a := sqs.MessageAttribute{DataType: ptr(v.DataType)}
		if v.BinaryValue != nil {
			a.BinaryValue = v.BinaryValue
		} else {
			a.StringValue = ptr(v.StringValue)
		}
		attrs[name] = a
	}
	_, err := q.sqs.Send(ctx, queueARN, sqs.OutgoingMessage{Body: m.Body, MessageAttributes: attrs,
		MessageGroupID: m.MessageGroupID, DeduplicationID: m.DeduplicationID})
	return err
}

// sendBody sends a plain body, as S3 notifications do.
func (q queueSender) sendBody(ctx context.Context, queueARN string, body []byte) error {
	_, err := q.sqs.Send(ctx, queueARN, sqs.OutgoingMessage{Body: string(body)})
	return err
}

// Deliver implements lambda.DestinationSink for SQS destinations and DLQs; a
// DLQ message carries AWS's RequestID/ErrorCode/ErrorMessage attributes.
func (q queueSender) Deliver(ctx context.Context, d lambda.Delivery) error {
	attrs := make(map[string]sqs.MessageAttribute, len(d.Attributes))
	for name, v := range d.Attributes {
		attrs[name] = sqs.MessageAttribute{DataType: ptr("String"), StringValue: ptr(v)}
	}
	_, err := q.sqs.Send(ctx, d.Target, sqs.OutgoingMessage{Body: string(d.Body), MessageAttributes: attrs})
	return err
}

// topicSink implements lambda.DestinationSink for SNS destinations and DLQs.
type topicSink struct{ sns *sns.Service }

func (t topicSink) Deliver(ctx context.Context, d lambda.Delivery) error {
	attrs := make(map[string]sns.AttributeValue, len(d.Attributes))
	for name, v := range d.Attributes {
		attrs[name] = sns.AttributeValue{DataType: "String", StringValue: v}
	}
	_, err := t.sns.PublishMessage(ctx, d.Target, "", string(d.Body), attrs)
	return err
}

func ptr[T any](v T) *T { return &v }

// queueSource lets Lambda event source mappings poll SQS queues.
type queueSource struct{ sqs *sqs.Service }

func (q queueSource) QueueInfo(arn string) (fifo bool, visibility time.Duration, exists bool) {
	qi, ok := q.sqs.QueueByARN(arn)
	return qi.FIFO, qi.VisibilityTimeout, ok
}

func (q queueSource) Receive(ctx context.Context, queueARN string, max int, wait time.Duration) ([]lambda.QueueMessage, error) {
	msgs, err := q.sqs.Receive(ctx, queueARN, max, -1, wait) // -1: the queue's visibility timeout
	if err != nil {
		return nil, err
	}
	out := make([]lambda.QueueMessage, len(msgs))
	for i, m := range msgs {
		attrs := make(map[string]lambda.QueueMessageAttribute, len(m.MessageAttributes))
		for name, a := range m.MessageAttributes {
			dt := ""
			if a.DataType != nil {
				dt = *a.DataType
			}
			attrs[name] = lambda.QueueMessageAttribute{DataType: dt, StringValue: a.StringValue,
				BinaryValue: a.BinaryValue, StringListValues: a.StringListValues, BinaryListValues: a.BinaryListValues}
		}
		out[i] = lambda.QueueMessage{MessageID: m.MessageID, ReceiptHandle: m.ReceiptHandle, Body: m.Body,
			MD5OfBody: m.MD5OfBody, Attributes: m.Attributes, MessageAttributes: attrs, MessageGroupID: m.MessageGroupID}
	}
	return out, nil
}

func (q queueSource) DeleteBatch(ctx context.Context, queueARN string, receiptHandles []string) error {
	_, err := q.sqs.DeleteBatch(ctx, queueARN, receiptHandles)
	return err
}

func (q queueSource) ChangeVisibility(ctx context.Context, queueARN, receiptHandle string, timeout time.Duration) error {
	return q.sqs.ChangeVisibility(ctx, queueARN, receiptHandle, timeout)
}
