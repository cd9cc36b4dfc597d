// Package sns is Nubo's Amazon Simple Notification Service: topics (standard
// and FIFO), subscriptions, filter policies and durable fan-out to SQS,
// Lambda, HTTP/S, email and SMS endpoints, spoken in the query protocol.
//
// Supported operations (API version 2010-03-31):
//
//	Topics         CreateTopic DeleteTopic ListTopics GetTopicAttributes
//	               SetTopicAttributes TagResource UntagResource
//	               ListTagsForResource
//	Subscriptions  Subscribe ConfirmSubscription Unsubscribe ListSubscriptions
//	               ListSubscriptionsByTopic GetSubscriptionAttributes
//	               SetSubscriptionAttributes
//	Messages       Publish PublishBatch
//
// Delivery: Publish writes one outbox record per confirmed subscription whose
// filter policy accepts the message, in the same durable batch as the
// publish, before it answers; an acknowledged publish is therefore delivered
// even across a crash. Delivery workers (Start/Stop) send each record through
// its protocol: SQS through a QueueTarget and Lambda through a
// FunctionTarget (plugged in with SetQueueTarget / SetFunctionTarget; until
// then those deliveries wait in the outbox), HTTP/S with net/http, and email,
// email-json and SMS into a store-backed mail outbox. Failed deliveries are
// retried on the Nubo clock by AWS's policies (the HTTP delivery policy of
// topic and subscription; AWS's fixed policy for AWS-managed endpoints) and
// then moved to the subscription's RedrivePolicy dead-letter queue, or
// dropped and counted (NumberOfNotificationsFailed).
//
// Envelopes are AWS's: the Lambda event spells SigningCertUrl and
// UnsubscribeUrl, the SQS/HTTP JSON SigningCertURL and UnsubscribeURL; raw
// delivery sends the message as is (SQS: with its attributes as SQS message
// attributes). Messages are signed for real (SignatureVersion 1 SHA1withRSA,
// 2 SHA256withRSA over AWS's canonical string) with a key generated once and
// kept in the store; the certificate is served at SigningCertURL,
// <endpoint>/_nubo/sns/SimpleNotificationService-nubo.pem. SDK message
// validators that insist on an amazonaws.com certificate host reject it.
//
// Confirming subscriptions locally: HTTP/S endpoints receive a
// SubscriptionConfirmation whose SubscribeURL
// (<endpoint>/?Action=ConfirmSubscription&Version=2010-03-31&TopicArn=…&Token=…)
// can be fetched unsigned, or pass its Token to ConfirmSubscription. For
// email subscriptions the confirmation is in the mail outbox:
// GET /_nubo/sns/messages?protocol=email&type=SubscriptionConfirmation
// (loopback clients only) lists it with its token and SubscribeURL.
// Delivered emails and SMS messages are listed by the same endpoint
// (filters: protocol, endpoint, topicArn, type, limit).
//
// Metrics (namespace AWS/SNS, dimension TopicName):
// NumberOfMessagesPublished, PublishSize, NumberOfNotificationsDelivered,
// NumberOfNotificationsFailed, NumberOfNotificationsFilteredOut,
// NumberOfNotificationsRedrivenToDlq, NumberOfNotificationsFailedToRedriveToDlq.
//
// Deviations from AWS: topic policies are validated and stored but not
// enforced (the edge authorizes with IAM); KMS, tracing and delivery-status
// logging attributes are stored without effect; mobile push (application),
// Firehose subscriptions, message archiving/replay and data protection
// policies are rejected with InvalidParameter; FIFO topics accept SQS
// subscriptions only; HTTP/S endpoints get no UnsubscribeConfirmation; any
// non-2xx HTTP answer is retried per the delivery policy; throttle policies
// are not applied; filter policy changes apply at once (AWS: up to 15
// minutes).
package sns
