// Package logs is Nubo's Amazon CloudWatch Logs (AWS JSON 1.1, target prefix
// Logs_20140328): log groups, log streams and their events, kept durably in
// the platform store under "logs/".
//
// Supported operations:
//
//	CreateLogGroup, DeleteLogGroup, DescribeLogGroups
//	CreateLogStream, DeleteLogStream, DescribeLogStreams
//	PutLogEvents, GetLogEvents, FilterLogEvents
//	PutRetentionPolicy, DeleteRetentionPolicy
//	TagLogGroup, UntagLogGroup, ListTagsLogGroup
//	TagResource, UntagResource, ListTagsForResource
//	PutSubscriptionFilter, DescribeSubscriptionFilters, DeleteSubscriptionFilter
//
// Every other operation is answered NotImplemented by the edge.
//
// Behaviour follows AWS: PutLogEvents accepts at most 10,000 events and
// 1,048,576 bytes (each message's UTF-8 length plus 26 bytes), requires
// chronological order and a span of at most 24 hours, rejects events older
// than 14 days or than the group's retention, or more than 2 hours in the
// future, through rejectedLogEventsInfo while storing the rest, and ignores
// the sequence token. GetLogEvents pages with "f/…" and "b/…" tokens and
// returns the same token again at either end. FilterLogEvents interleaves
// the streams in timestamp order and understands AWS's filter pattern syntax
// (see ParseFilterPattern). Retention is applied on the Nubo clock: a timer
// fires when the oldest retained event expires, so POST /_nubo/clock/advance
// expires events as if the time had passed.
//
// Go API for other parts of Nubo: EnsureStream and Append (used by the Lambda
// runtime to write function logs), Subscribe (new events as they are
// stored, for `nubo logs --follow` and the later subscription-filter
// delivery) and SubscriptionFilters.
//
// Deviations:
//
//   - StartLiveTail (an event stream) is not supported; `nubo logs --follow`
//     polls or uses Subscribe instead.
//   - Subscription filters are stored and described but matching events are
//     not yet delivered to their destination (Lambda delivery, §6.6 of the
//     protocol reference, lands with a later issue). Destinations are not
//     checked for existence or permission.
//   - kmsKeyId is recorded and described but events are not encrypted with it.
//   - Unstructured filter terms match on word boundaries (a term starting or
//     ending with a letter, digit or underscore must not touch another one);
//     regular expressions (%…%) match substrings. AWS's exact tokeniser is
//     not documented.
//   - storedBytes of a log group is the sum of its messages' UTF-8 lengths;
//     storedBytes of a log stream is always 0, as AWS reports it since 2019.
//   - Metric filters, log-group data protection, account policies, queries
//     (Logs Insights), exports, destinations and cross-account observability
//     are not implemented.
package logs
