// Package lambda is Nubo's AWS Lambda control plane and invocation front end:
// functions from .zip packages, versions, aliases with weighted routing,
// concurrency settings, resource policies, tags, asynchronous invocation
// configuration, Invoke with a durable asynchronous queue, and SQS event
// source mappings with pollers owned by the service. Function code
// runs elsewhere: the runtime instance pool implements Executor and is
// installed with SetExecutor.
//
// Supported operations (rest-json, API version 2015-03-31):
//
//	Functions    CreateFunction GetFunction GetFunctionConfiguration ListFunctions
//	             UpdateFunctionCode UpdateFunctionConfiguration DeleteFunction
//	Invocation   Invoke (RequestResponse, Event, DryRun; LogType Tail; ClientContext)
//	Versions     PublishVersion ListVersionsByFunction
//	Aliases      CreateAlias GetAlias UpdateAlias DeleteAlias ListAliases
//	Concurrency  PutFunctionConcurrency GetFunctionConcurrency
//	             DeleteFunctionConcurrency GetAccountSettings
//	Policy       AddPermission RemovePermission GetPolicy
//	Tags         TagResource UntagResource ListTags
//	Async config PutFunctionEventInvokeConfig GetFunctionEventInvokeConfig
//	             UpdateFunctionEventInvokeConfig DeleteFunctionEventInvokeConfig
//	             ListFunctionEventInvokeConfigs
//	Event source CreateEventSourceMapping GetEventSourceMapping
//	mappings     UpdateEventSourceMapping DeleteEventSourceMapping
//	             ListEventSourceMappings (SQS standard and FIFO queues)
//
// Validation follows AWS: constraint violations are ValidationException
// ("1 validation error detected: Value '…' at '…' failed to satisfy
// constraint: …"), semantic problems InvalidParameterValueException with
// AWS's messages (role not assumable by lambda.amazonaws.com, reserved or
// oversized environment variables, deprecated runtimes, unzippable packages),
// missing resources ResourceNotFoundException ("Function not found: <arn>"),
// duplicates ResourceConflictException and stale RevisionIds
// PreconditionFailedException. FunctionName accepts names, partial and full
// ARNs, with a :qualifier where AWS allows one.
//
// Code packages are stored in the blob store by SHA-256 (CodeSha256 is its
// base64 form) and extracted once per hash under <data dir>/lambda/code/<hex>
// (CodeDir). Extraction rejects absolute and ../ paths, duplicate entries,
// symbolic links that are absolute or do not resolve to an existing path
// inside the package (relative links inside it are kept), more than 250 MB
// written in total (counted while writing), entries that expand more than
// 1000 times beyond 1 MiB, and more than 100,000 entries. Files are 0644, or
// 0755 when executable in the zip; directories 0755. A package without the
// handler is accepted (AWS fails only at Invoke). GetFunction's Code.Location
// is a download URL served under /_nubo/lambda/code/ with an HMAC-signed
// token that expires after 10 minutes of Nubo time.
//
// Asynchronous invocations are stored before Invoke answers 202 and resume
// after a restart. Workers owned by the service (Start/Stop) run them;
// function errors are retried MaximumRetryAttempts times (default 2) after 1
// and then 2 minutes of Nubo time; throttles and platform faults are retried
// with back-off from 1 s to 5 min; events older than MaximumEventAgeInSeconds
// (default 6 h) are dropped. Success and failure records in AWS's shape go
// to the OnSuccess/OnFailure destination, and the event itself to the
// DeadLetterConfig target. Lambda destinations are invoked asynchronously by
// this package; other services deliver through a DestinationSink registered
// per ARN service; records without a sink are kept (Undelivered).
//
// Event source mappings are stored durably and their pollers resume on
// Start. The SQS API is reached through a QueueSource installed with
// SetQueueSource. Each enabled mapping long-polls its queue (20 s) with
// 5 concurrent batches at first, adding up to 300 per minute (5 per
// Options.ESMScaleInterval of 1 s) while receives come back full, halving
// after errors or throttles and shrinking back to 5 when the backlog is
// gone; the cap is ScalingConfig.MaximumConcurrency (default 1000), the
// function's reserved concurrency and the account's limit. A batch holds up
// to BatchSize messages and 6 MB of event, gathered for at most
// MaximumBatchingWindowInSeconds after its first message (real time). The
// function runs synchronously through the same path as Invoke (executor,
// concurrency, metrics) with AWS's SQS event (lowerCamel message
// attributes). Success deletes the batch; a function error leaves it for
// the visibility timeout (the queue's RedrivePolicy moves poison messages
// to its dead-letter queue); with ReportBatchItemFailures only the reported
// messages stay, and an invalid response (bad JSON, empty, null or unknown
// itemIdentifier) counts as a complete failure. On FIFO queues a group's
// messages after its first failure in a batch stay too, and SQS's group
// lock keeps one batch per group in flight. Throttles and platform faults
// are retried with back-off (Options.ESMRetryBackoff, 1 s doubling to 30 s)
// while the messages are still invisible. Messages that no FilterCriteria
// pattern matches are deleted without an invocation. Disabling, changing or
// deleting a mapping stops its receives at once: batches being invoked
// finish, messages gathered but not yet invoked become visible again.
//
// Metrics (namespace AWS/Lambda): Invocations, Errors, Duration, Throttles,
// ConcurrentExecutions (reported by the executor) and DeadLetterErrors, with
// no dimension, FunctionName, FunctionName+Resource and, for aliases,
// FunctionName+Resource+ExecutedVersion.
//
// Deviations from AWS:
//   - Runtimes: python3.8 to python3.13 and provided, provided.al2,
//     provided.al2023. Other AWS runtimes are InvalidParameterValueException
//     naming the supported ones. Container images, layers, EFS, VPC
//     configuration, SnapStart, code signing and function URLs are refused
//     with a clear error or not offered.
//   - S3 code (S3Bucket/S3Key) works once a CodeSource is installed; until
//     then it is InvalidParameterValueException "S3 code source not
//     available yet".
//   - State: a new function is Pending, an update InProgress, for
//     Options.StateSettle (default 0: the response says Pending/InProgress
//     and the next read Active/Successful). Invocations and updates are not
//     refused while a function is Pending or an update is in progress.
//   - The asynchronous payload limit is 1 MB (AWS raised it from 256 KB in
//     October 2025). Async requests are validated as JSON like sync ones.
//   - Resource policies are stored and returned but not enforced at Invoke
//     (the edge authorizes callers with identity policies).
//   - Destination records for services without a sink are kept, not sent;
//     records that a Lambda destination cannot take are kept too.
//   - Event source mappings: only SQS sources. Stream and Kafka parameters
//     are InvalidParameterValueException; KMSKeyArn, MetricsConfig,
//     LoggingConfig, ProvisionedPollerConfig and Tags are refused as not
//     supported. States change at once: responses say Creating, Enabling,
//     Disabling, Updating or Deleting and the next read Enabled or Disabled
//     (a deleted mapping is gone). LastProcessingResult is kept in memory
//     (persisted only with an update). Filter patterns may match any record
//     key (AWS documents only body for SQS); a JSON body is matched as JSON,
//     any other body as a string, so an object pattern on a plain-text body
//     does not match. ListEventSourceMappings with an unqualified
//     FunctionName lists the mappings of all its versions and aliases.
package lambda
