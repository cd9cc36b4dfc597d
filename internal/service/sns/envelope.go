package sns

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
)

const timestampFormat = "2006-01-02T15:04:05.000Z"

// envAttr is a message attribute in a JSON envelope.
type envAttr struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// httpEnvelope is the JSON document delivered to HTTP/S, SQS and email-json
// endpoints (field order as AWS sends it).
type httpEnvelope struct {
	Type              string             `json:"Type"`
	MessageID         string             `json:"MessageId"`
	Token             string             `json:"Token,omitempty"`
	SequenceNumber    string             `json:"SequenceNumber,omitempty"`
	TopicArn          string             `json:"TopicArn"`
	Subject           string             `json:"Subject,omitempty"`
	Message           string             `json:"Message"`
	SubscribeURL      string             `json:"SubscribeURL,omitempty"`
	Timestamp         string             `json:"Timestamp"`
	SignatureVersion  string             `json:"SignatureVersion"`
	Signature         string             `json:"Signature"`
	SigningCertURL    string             `json:"SigningCertURL"`
	UnsubscribeURL    string             `json:"UnsubscribeURL,omitempty"`
	MessageAttributes map[string]envAttr `json:"MessageAttributes,omitempty"`
}

// lambdaSns is the Sns object of a Lambda event record.
type lambdaSns struct {
	Type              string             `json:"Type"`
	MessageID         string             `json:"MessageId"`
	TopicArn          string             `json:"TopicArn"`
	Subject           *string            `json:"Subject"`
	Message           string             `json:"Message"`
	Timestamp         string             `json:"Timestamp"`
	SignatureVersion  string             `json:"SignatureVersion"`
	Signature         string             `json:"Signature"`
	SigningCertURL    string             `json:"SigningCertUrl"`
	UnsubscribeURL    string             `json:"UnsubscribeUrl"`
	MessageAttributes map[string]envAttr `json:"MessageAttributes"`
}

// lambdaRecord is one record of the SNS event a function receives.
type lambdaRecord struct {
	EventVersion         string    `json:"EventVersion"`
	EventSubscriptionArn string    `json:"EventSubscriptionArn"`
	EventSource          string    `json:"EventSource"`
	Sns                  lambdaSns `json:"Sns"`
}

// lambdaEvent is the SNS event a function receives.
type lambdaEvent struct {
	Records []lambdaRecord `json:"Records"`
}

// marshal encodes v without HTML escaping, as AWS does.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// envAttrs converts message attributes for an envelope.
func envAttrs(attrs map[string]AttributeValue) map[string]envAttr {
	out := make(map[string]envAttr, len(attrs))
	for k, a := range attrs {
		v := a.StringValue
		if len(a.BinaryValue) > 0 {
			v = base64.StdEncoding.EncodeToString(a.BinaryValue)
		}
		out[k] = envAttr{Type: a.DataType, Value: v}
	}
	return out
}

// signedFields returns the fields AWS signs for a message, in canonical order.
func signedFields(m message, text, subscribeURL string) [][2]string {
	ts := m.Time.UTC().Format(timestampFormat)
	if m.Kind != "" {
		return [][2]string{{"Message", text}, {"MessageId", m.ID}, {"SubscribeURL", subscribeURL},
			{"Timestamp", ts}, {"Token", m.Token}, {"TopicArn", m.TopicARN}, {"Type", m.Kind}}
	}
	f := [][2]string{{"Message", text}, {"MessageId", m.ID}}
	if m.Subject != "" {
		f = append(f, [2]string{"Subject", m.Subject})
	}
	return append(f, [2]string{"Timestamp", ts}, [2]string{"TopicArn", m.TopicARN}, [2]string{"Type", "Notification"})
}

// links are the URLs a message refers to.
type links struct {
	cert, unsubscribe, subscribe string
}

// links returns the URLs for a delivery of m to subARN.
func (s *Service) links(ctx context.Context, sg *signer, m message, subARN string) links {
	ep := s.endpoint(ctx)
	l := links{cert: ep + certPath}
	if subARN != "" {
		l.unsubscribe = ep + "/_nubo/sns/unsubscribe?SubscriptionArn=" + url.QueryEscape(subARN) +
			"&Signature=" + sg.unsubscribeToken(subARN)
	}
	if m.Kind != "" {
		l.subscribe = ep + "/?Action=ConfirmSubscription&Version=2010-03-31&TopicArn=" + url.QueryEscape(m.TopicARN) +
			"&Token=" + m.Token
	}
	return l
}

// jsonEnvelope renders the signed JSON envelope of a delivery for HTTP/S,
// SQS and email-json.
func (s *Service) jsonEnvelope(ctx context.Context, d *delivery) ([]byte, error) {
	sg, err := s.signer()
	if err != nil {
		return nil, err
	}
	m := d.Msg
	text := m.bodyFor(d.Protocol)
	l := s.links(ctx, sg, m, d.SubARN)
	sig, err := sg.sign(m.SigVer, stringToSign(signedFields(m, text, l.subscribe)))
	if err != nil {
		return nil, err
	}
	env := httpEnvelope{Type: "Notification", MessageID: m.ID, TopicArn: m.TopicARN, Subject: m.Subject, Message: text,
		Timestamp: m.Time.UTC().Format(timestampFormat), SignatureVersion: sigVer(m), Signature: sig,
		SigningCertURL: l.cert, SequenceNumber: m.Sequence}
	if m.Kind != "" {
		env.Type, env.Token, env.SubscribeURL, env.Subject = m.Kind, m.Token, l.subscribe, ""
	} else {
		env.UnsubscribeURL = l.unsubscribe
		if len(m.Attrs) > 0 {
			env.MessageAttributes = envAttrs(m.Attrs)
		}
	}
	return marshal(env)
}

// lambdaPayload renders the SNS event of a Lambda delivery.
func (s *Service) lambdaPayload(ctx context.Context, d *delivery) ([]byte, error) {
	sg, err := s.signer()
	if err != nil {
		return nil, err
	}
	m := d.Msg
	text := m.bodyFor("lambda")
	l := s.links(ctx, sg, m, d.SubARN)
	sig, err := sg.sign(m.SigVer, stringToSign(signedFields(m, text, "")))
	if err != nil {
		return nil, err
	}
	rec := lambdaRecord{EventVersion: "1.0", EventSubscriptionArn: d.SubARN, EventSource: "aws:sns", Sns: lambdaSns{
		Type: "Notification", MessageID: m.ID, TopicArn: m.TopicARN, Message: text,
		Timestamp: m.Time.UTC().Format(timestampFormat), SignatureVersion: sigVer(m), Signature: sig,
		SigningCertURL: l.cert, UnsubscribeURL: l.unsubscribe, MessageAttributes: envAttrs(m.Attrs)}}
	if m.Subject != "" {
		rec.Sns.Subject = &m.Subject
	}
	return marshal(lambdaEvent{Records: []lambdaRecord{rec}})
}

func sigVer(m message) string {
	if m.SigVer == "" {
		return "1"
	}
	return m.SigVer
}

// emailText renders a notification as the body of an email.
func (s *Service) emailText(ctx context.Context, d *delivery) (string, error) {
	sg, err := s.signer()
	if err != nil {
		return "", err
	}
	l := s.links(ctx, sg, d.Msg, d.SubARN)
	return d.Msg.bodyFor(d.Protocol) + "\n\n--\nIf you wish to stop receiving notifications from this topic, " +
		"please click or visit the link below to unsubscribe:\n" + l.unsubscribe + "\n", nil
}

// confirmationText renders the confirmation email of a pending email
// subscription (email-json subscriptions get the JSON envelope).
func (s *Service) confirmationText(ctx context.Context, m message, protocol string) string {
	sg, err := s.signer()
	if err != nil {
		return m.Body
	}
	l := s.links(ctx, sg, m, "")
	if protocol == protoEmailJSN {
		d := &delivery{Protocol: protocol, Msg: m}
		if b, err := s.jsonEnvelope(ctx, d); err == nil {
			return string(b)
		}
	}
	return "You have chosen to subscribe to the topic: \n" + m.TopicARN + "\n\nTo confirm this subscription, " +
		"click or visit the link below (If this was in error no action is necessary):\nConfirm subscription: " +
		l.subscribe + "\n"
}

// mailRecord builds the outbox record of an email/SMS message.
func (s *Service) mailRecord(r *subRecord, m message, text string) MailRecord {
	rec := MailRecord{ID: m.ID, Time: m.Time, Type: "Notification", Protocol: r.Protocol, Endpoint: r.Endpoint,
		TopicARN: m.TopicARN, SubscriptionARN: r.ARN, MessageID: m.ID, Subject: m.Subject, Message: text}
	if m.Kind != "" {
		rec.Type, rec.Token = m.Kind, m.Token
		rec.SubscribeURL = s.endpoint(context.Background()) + "/?Action=ConfirmSubscription&Version=2010-03-31&TopicArn=" +
			url.QueryEscape(m.TopicARN) + "&Token=" + m.Token
	}
	return rec
}
