package sns

import "time"

// Store key prefixes. Topics and subscriptions are keyed by ARN; outbox
// (pending delivery) and mail (delivered email/SMS) keys start with a
// zero-padded nanosecond time so scans return them oldest first.
const (
	prefixTopic   = "sns/topic/"  // <topic ARN> → topicRecord
	prefixSub     = "sns/sub/"    // <subscription ARN> → subRecord
	prefixOutbox  = "sns/outbox/" // <time>-<id> → delivery
	prefixMail    = "sns/mail/"   // <time>-<id> → MailRecord
	prefixDedup   = "sns/dedup/"  // <topic ARN>/<dedup id> → dedupRecord
	keySigning    = "sns/signing" // signingRecord
	protoEmail    = "email"
	protoEmailJSN = "email-json"
)

// topicRecord is a topic as stored.
type topicRecord struct {
	ARN        string            `json:"arn"`
	Name       string            `json:"name"`
	FIFO       bool              `json:"fifo,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	Created    time.Time         `json:"created"`
	// Deleted counts the subscriptions removed from the topic.
	Deleted int64 `json:"deleted,omitempty"`
	// Sequence is the last FIFO sequence number handed out.
	Sequence uint64 `json:"sequence,omitempty"`
}

// subRecord is a subscription as stored.
type subRecord struct {
	ARN        string            `json:"arn"`
	TopicARN   string            `json:"topicArn"`
	Owner      string            `json:"owner"`
	Protocol   string            `json:"protocol"`
	Endpoint   string            `json:"endpoint"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Confirmed  bool              `json:"confirmed,omitempty"`
	// Authenticated records ConfirmSubscription's AuthenticateOnUnsubscribe.
	Authenticated bool      `json:"authenticated,omitempty"`
	Token         string    `json:"token,omitempty"`
	Created       time.Time `json:"created"`
}

// dedupRecord remembers a FIFO publish for the deduplication window.
type dedupRecord struct {
	MessageID string    `json:"messageId"`
	Sequence  string    `json:"sequence"`
	Expires   time.Time `json:"expires"`
}

// message is one published message as the delivery pipeline sees it.
type message struct {
	ID        string                    `json:"id"`
	TopicARN  string                    `json:"topicArn"`
	Subject   string                    `json:"subject,omitempty"`
	Body      string                    `json:"body"`
	Time      time.Time                 `json:"time"`
	Attrs     map[string]AttributeValue `json:"attrs,omitempty"`
	GroupID   string                    `json:"groupId,omitempty"`
	DedupID   string                    `json:"dedupId,omitempty"`
	Sequence  string                    `json:"sequence,omitempty"`
	SigVer    string                    `json:"sigVer,omitempty"`
	Kind      string                    `json:"kind,omitempty"` // "" (Notification) or "SubscriptionConfirmation"
	Token     string                    `json:"token,omitempty"`
	Structure map[string]string         `json:"structure,omitempty"`
}

// delivery is one pending delivery of a message to a subscription: the
// outbox record. It carries a snapshot of what the worker needs, so a
// delivery survives changes to the subscription (except its deletion).
type delivery struct {
	Key      string    `json:"key"`
	SubARN   string    `json:"subArn"`
	Protocol string    `json:"protocol"`
	Endpoint string    `json:"endpoint"`
	Raw      bool      `json:"raw,omitempty"`
	Msg      message   `json:"msg"`
	Attempts int       `json:"attempts,omitempty"`
	NextAt   time.Time `json:"nextAt,omitempty"`
	// DLQ is set once the delivery has failed for good and is being
	// redriven to the subscription's dead-letter queue.
	DLQ       string `json:"dlq,omitempty"`
	LastError string `json:"lastError,omitempty"`
}

// signingRecord is the persisted signing key and certificate.
type signingRecord struct {
	KeyPEM  string `json:"keyPem"`
	CertPEM string `json:"certPem"`
	// Secret authenticates unsubscribe links.
	Secret []byte `json:"secret"`
}

// MailRecord is an email or SMS "delivered" by Nubo: it is kept in the store
// and listed by GET /_nubo/sns/messages instead of being sent.
type MailRecord struct {
	ID              string    `json:"id"`
	Time            time.Time `json:"time"`
	Type            string    `json:"type"`
	Protocol        string    `json:"protocol"`
	Endpoint        string    `json:"endpoint"`
	TopicARN        string    `json:"topicArn,omitempty"`
	SubscriptionARN string    `json:"subscriptionArn,omitempty"`
	MessageID       string    `json:"messageId"`
	Subject         string    `json:"subject,omitempty"`
	Message         string    `json:"message"`
	// Token and SubscribeURL are set for subscription confirmations: confirm
	// by calling ConfirmSubscription with the token or by opening the URL.
	Token        string `json:"token,omitempty"`
	SubscribeURL string `json:"subscribeUrl,omitempty"`
}
