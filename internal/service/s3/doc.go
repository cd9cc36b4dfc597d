// Package s3 is Nubo's Amazon S3: buckets, objects, versioning, multipart
// uploads, bucket policies and event notifications, spoken in rest-xml through
// the edge with path-style and virtual-host addressing.
//
// Supported operations: CreateBucket, DeleteBucket, HeadBucket, ListBuckets,
// GetBucketLocation, Put/GetBucketVersioning, Put/Get/DeleteBucketTagging,
// Put/Get/DeleteBucketPolicy, Get/PutBucketAcl, Get/Put/
// DeleteBucketOwnershipControls, Put/Get/DeleteBucketEncryption,
// Put/GetBucketNotificationConfiguration, Put/Get/DeleteBucketCors,
// Put/GetBucketLifecycleConfiguration, DeleteBucketLifecycle,
// Put/GetBucketLogging, PutObject, GetObject, HeadObject,
// DeleteObject, DeleteObjects, CopyObject, ListObjects, ListObjectsV2,
// ListObjectVersions, Put/Get/DeleteObjectTagging, Get/PutObjectAcl,
// GetObjectAttributes (attributes.go),
// CreateMultipartUpload, UploadPart, UploadPartCopy, ListParts,
// CompleteMultipartUpload, AbortMultipartUpload, ListMultipartUploads,
// Put/GetObjectLockConfiguration, Put/GetObjectRetention,
// Put/GetObjectLegalHold (Object Lock, objectlock.go),
// Put/Get/DeletePublicAccessBlock and GetBucketPolicyStatus (Block Public
// Access, publicaccess.go).
//
// Storage. Metadata lives in the durable store under "s3/" (see keys.go for
// the layout); object keys are escaped inside store keys so that listing a
// prefix is one ordered range scan. Bodies up to Options.InlineMax are kept
// in the store next to their metadata; larger ones in a content-addressed,
// fsync'd blob store private to S3 (DataDir/s3/blobs), reference-counted so
// copies share bytes. CompleteMultipartUpload copies no bytes: the object
// refers to a manifest listing its part blobs in order, and reads stream
// across them (manifest.go). No file path is ever built from an object key: keys
// with "../", NUL or any other valid UTF-8 are only names. A body is
// published only after it has been read to its end and passed auth's checks
// (signature, Content-MD5, x-amz-checksum-*, decoded length); a failed or
// interrupted upload leaves nothing visible. Every acknowledged write is a
// durable batch commit.
//
// Notifications. A change that matches the bucket's notification
// configuration writes the event record (AWS's exact shape, eventVersion 2.1)
// to an outbox in the same batch as the object, so an acknowledged PUT's
// event survives a crash. A worker delivers the outbox through the Notifier
// installed with SetNotifier, retrying failures with backoff on the Nubo
// clock. Saving a configuration with queues or topics queues s3:TestEvent.
//
// Deviations from AWS:
//   - ACLs are answered as for the default owner (full control); only canned
//     bucket ACLs are recorded, and with BucketOwnerEnforced (the default)
//     only owner-only ACLs are accepted, as AWS does (object writes with
//     x-amz-acl or x-amz-grant-* included: AccessControlListNotSupported).
//     PutObjectAcl accepts owner-only ACLs on existing objects. Explicit
//     grants and object ACLs other than private are NotImplemented on
//     buckets that allow ACLs.
//   - Server-side encryption settings are recorded and echoed; bodies are not
//     encrypted at rest. SSE-C keys are checked as S3 checks them (ssec.go):
//     an object written with one keeps a salted HMAC-SHA256 of the key and
//     its MD5, never the key, and GET, HEAD, copies and parts must present
//     the same key. SSE-C over plain HTTP is accepted (S3 requires HTTPS);
//     CompleteMultipartUpload checks the key when sent, and requires it only
//     for uploads with a checksum algorithm, as AWS documents. An encryption
//     configuration whose BlockedEncryptionTypes lists SSE-C makes SSE-C
//     writes (PUT, copy, POST, multipart) 403 AccessDenied; new buckets do
//     not block SSE-C, while AWS blocks it on new buckets since April 2026.
//   - Multipart uploads with a checksum algorithm get S3's object checksum
//     of their type (mpchecksum.go): COMPOSITE, a checksum of checksums
//     ("<base64>-<parts>"), or FULL_OBJECT, the CRC of the whole object
//     combined from the parts' CRCs. A part checksum listed in
//     CompleteMultipartUpload must be the part's own (InvalidPart otherwise),
//     an object checksum sent with it the computed one (BadDigest), and
//     x-amz-mp-object-size the object's size (InvalidRequest).
//     GetObjectAttributes lists parts only for COMPOSITE objects, as
//     AWS does for general purpose buckets, and reports a single part as
//     part 1. CopyObject keeps the source ETag instead of recomputing it.
//     A retried CompleteMultipartUpload gets the first completion's answer
//     while the object it made is still the current version, as in AWS.
//   - Bucket policies are enforced for explicit Deny and for callers outside
//     the account (anonymous included), which need an Allow; IAM identity
//     policies are the edge's concern. A request naming a version is checked
//     with AWS's version actions: s3:GetObjectVersion instead of
//     s3:GetObject (GET, HEAD, a copy's source), s3:GetObjectVersionAcl and
//     s3:PutObjectVersionAcl instead of the ACL actions,
//     s3:GetObjectVersion and s3:GetObjectVersionAttributes for
//     GetObjectAttributes, and s3:DeleteObjectVersion or the Version tagging
//     actions beside the delete and tagging ones. DeleteObjects checks each
//     key and reports refusals in its result. A PutObject that sets tags or
//     an ACL also needs s3:PutObjectTagging or s3:PutObjectAcl; ListParts and
//     AbortMultipartUpload need s3:ListMultipartUploadParts and
//     s3:AbortMultipartUpload. Conditions see the aws: keys of the request
//     and these S3 keys (s3ConditionKeys): s3:x-amz-acl, the grant, copy
//     source, metadata directive, storage class, content-sha256, redirect
//     and encryption headers, s3:object-lock-mode, -retain-until-date and
//     -legal-hold, s3:VersionId, s3:RequestObjectTagKeys and
//     s3:RequestObjectTag/<key> (from x-amz-tagging), s3:authType,
//     s3:signatureversion, s3:prefix, s3:delimiter and s3:max-keys for
//     listings, and s3:ExistingObjectTag/<key> (the addressed version's tags,
//     looked up only when the policy names the key; not for PutObject,
//     DeleteObject or a copy's source), s3:signatureAge, s3:TlsVersion and
//     s3:ResourceAccount.
//   - Block Public Access is per bucket (the account-level settings of S3
//     Control are not modelled). New buckets have no settings, as before April
//     2023; AWS now turns all four on for new buckets. A policy is public as
//     policy.Policy.IsPublic judges it. BlockPublicPolicy refuses such
//     policies, RestrictPublicBuckets denies callers outside the account when
//     the policy is public, BlockPublicAcls refuses public canned ACLs and
//     grants to the AllUsers and AuthenticatedUsers groups; IgnorePublicAcls is
//     recorded only, since ACLs never grant access in Nubo.
//   - Lifecycle rules expire current and noncurrent versions, remove expired
//     delete markers and abort stale uploads every Options.LifecycleInterval
//     on the Nubo clock; storage class transitions are NotImplemented.
//     PUT, HEAD, GET, copy and multipart completion of a current version an
//     Expiration rule matches answer x-amz-expiration (earliest rule).
//   - CORS rules add Access-Control-* headers to matching requests;
//     preflight (OPTIONS) answers come from Preflight and presigned POST
//     uploads from PostObject, which the edge calls since the S3 model has
//     no operation for either.
//   - Server access logging: RecordRequest (which the server calls from the
//     edge's OnRequest hook) formats one line per request to a logging
//     bucket in AWS's server access log format and buffers it in memory;
//     every Options.LogFlushInterval (default 5 minutes) on the Nubo clock,
//     and on Stop, the lines are delivered as objects named TargetPrefix +
//     [account/region/bucket/YYYY/MM/DD/ for a partitioned prefix] +
//     YYYY-MM-DD-hh-mm-ss-<16 hex> through the internal put path, so
//     deliveries are not requests and never log themselves. Delivery is
//     best effort as AWS's: buffered lines are lost on a crash. TargetGrants
//     are NotImplemented; object size is "-" for ranged and HEAD requests,
//     access point ARN and aclRequired are always "-", and the cipher suite
//     is Go's IANA name.
//   - Request metrics (AllRequests, Get/Put/Delete/Head/Post/ListRequests,
//     4xxErrors, 5xxErrors, BytesDownloaded, BytesUploaded,
//     TotalRequestLatency, FirstByteLatency; dimensions BucketName and
//     FilterId=EntireBucket) are recorded for every bucket, without the
//     metrics configuration AWS requires, as statistic sets every
//     Options.MetricsInterval.
//   - Object Lock: retention dates are checked against the Nubo clock; the
//     governance bypass needs s3:BypassGovernanceRetention from the bucket
//     policy (identity policies are the edge's concern); lock headers
//     (x-amz-object-lock-*) are returned on GET/HEAD without a separate
//     s3:GetObjectRetention/s3:GetObjectLegalHold check; Content-MD5 is not
//     required on Object Lock writes.
//   - Not yet: website, replication, metrics configurations,
//     SelectObjectContent, EventBridge targets.
//
// Storage metrics AWS/S3 NumberOfObjects and BucketSizeBytes are recorded
// every Options.MetricsInterval on the Nubo clock.
package s3
