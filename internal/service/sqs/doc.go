// Package sqs is Nubo's Amazon Simple Queue Service: standard and FIFO
// queues with AWS's semantics, answered in both of the protocols SQS clients
// speak (AWS JSON 1.0 for current SDKs, query for older ones; the edge picks
// the codec, this package only sees typed operations).
//
// Supported operations (API version 2012-11-05):
//
//	Queues    CreateQueue DeleteQueue GetQueueUrl ListQueues GetQueueAttributes
//	          SetQueueAttributes PurgeQueue TagQueue UntagQueue ListQueueTags
//	          ListDeadLetterSourceQueues
//	Messages  SendMessage SendMessageBatch ReceiveMessage DeleteMessage
//	          DeleteMessageBatch ChangeMessageVisibility
//	          ChangeMessageVisibilityBatch
//	Redrive   StartMessageMoveTask ListMessageMoveTasks CancelMessageMoveTask
//
// Semantics: visibility timeouts, delays, retention, the purge interval and
// FIFO deduplication windows all run on the Nubo clock, so advancing it makes
// invisible and delayed messages visible and expired ones disappear. Messages
// move to a dead-letter queue on the receive that would exceed the source's
// maxReceiveCount. FIFO queues deliver each message group in order and lock a
// group while one of its messages is in flight. MD5OfMessageBody,
// MD5OfMessageAttributes and MD5OfMessageSystemAttributes are computed as AWS
// specifies, which the SDKs verify.
//
// Durability: the store is the source of truth. An acknowledged send, delete,
// purge or dead-letter move is committed durably (concurrent requests share
// fsyncs through the store's group commit). Receive bookkeeping (receive
// counts, visibility deadlines) is written in the background without fsync,
// so a crash can make in-flight messages visible early and lose the last
// moments' receive counts, never a message. Each queue keeps in-memory
// indexes (visible messages by sequence, FIFO groups with a heap of unlocked
// groups, a deadline heap for in-flight and delayed messages) rebuilt from
// the store when the service is created; a timer on the Nubo clock promotes
// due messages and wakes long polls, which wait on per-queue channels.
//
// Metrics: once started, the service records AWS/SQS metrics per QueueName
// every minute of Nubo time (ApproximateNumberOfMessagesVisible, …NotVisible,
// …Delayed, NumberOfMessagesSent/Received/Deleted, NumberOfEmptyReceives,
// ApproximateAgeOfOldestMessage, SentMessageSize).
//
// Deviations from AWS: queue policies are validated and stored but not
// enforced (the edge authorizes with IAM); KMS attributes are recorded, no
// encryption happens; QueueDeletedRecently is never returned; a receipt
// handle from an earlier receive of a standard-queue message is accepted by
// DeleteMessage without deleting the message (AWS: "the request will
// succeed, but the message might not be deleted"); a move task without
// MaxNumberOfMessagesPerSecond completes within StartMessageMoveTask, and a
// task interrupted by a restart is FAILED rather than resumed;
// ReceiveRequestAttemptId deduplication is kept in memory only.
package sqs
