package s3

// Server-side encryption with customer-provided keys (SSE-C) and the checks
// S3 applies to encryption headers. Nubo does not encrypt bodies at rest: it
// validates the keys clients send exactly as S3 does and remembers which key
// wrote an object as a randomly salted HMAC-SHA256 of the key (never the key
// itself), next to the key MD5 the client sent, which S3 echoes. Reads,
// copies and multipart parts must then present the same key.

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
)

// ssecAlgorithm is the only algorithm SSE-C accepts.
const ssecAlgorithm = "AES256"

// ssecHeaders are the three SSE-C headers of a request: for the object the
// request writes or reads, or (copySource) for the source of a copy.
type ssecHeaders struct {
	alg, key, md5 *string
	copySource    bool
}

// present reports whether any of the headers was sent.
func (h ssecHeaders) present() bool {
	return h.alg != nil || h.key != nil || h.md5 != nil
}

// name returns the full name of the header ending in suffix ("algorithm",
// "key" or "key-MD5").
func (h ssecHeaders) name(suffix string) string {
	if h.copySource {
		return "x-amz-copy-source-server-side-encryption-customer-" + suffix
	}
	return "x-amz-server-side-encryption-customer-" + suffix
}

// customerKey is a validated customer-provided key. It lives only for the
// request that carried it.
type customerKey struct {
	key []byte
	md5 string // base64 MD5 of key, as the client sent it
}

// parse validates the headers as S3 does: all three are needed, the
// algorithm must be AES256, the key base64 of 32 bytes and the MD5 the
// base64 MD5 of the key. No headers give a nil key.
func (h ssecHeaders) parse() (*customerKey, error) {
	if !h.present() {
		return nil, nil
	}
	const prefix = "Requests specifying Server Side Encryption with Customer provided keys must provide "
	switch {
	case h.alg == nil:
		return nil, errInvalidArgument(prefix+"a valid encryption algorithm.").With("ArgumentName", h.name("algorithm"))
	case *h.alg != ssecAlgorithm:
		return nil, awsapi.Errorf("InvalidEncryptionAlgorithmError", http.StatusBadRequest,
			"The Encryption request you specified is not valid. Supported value: AES256.").
			With("ArgumentName", h.name("algorithm")).With("ArgumentValue", *h.alg)
	case h.key == nil || *h.key == "":
		return nil, errInvalidArgument(prefix+"an appropriate secret key.").With("ArgumentName", h.name("key"))
	}
	key, err := base64.StdEncoding.DecodeString(*h.key)
	if err != nil || len(key) != 32 {
		return nil, errInvalidArgument("The secret key was invalid for the specified algorithm.").With("ArgumentName", h.name("key"))
	}
	if h.md5 == nil || *h.md5 == "" {
		return nil, errInvalidArgument(prefix+"the client calculated MD5 of the secret key.").With("ArgumentName", h.name("key-MD5"))
	}
	sum := md5.Sum(key)
	want := base64.StdEncoding.EncodeToString(sum[:])
	if *h.md5 != want {
		return nil, errInvalidArgument("The calculated MD5 hash of the key did not match the hash that was provided.").
			With("ArgumentName", h.name("key-MD5"))
	}
	return &customerKey{key: key, md5: want}, nil
}

// ssecRecord is what an object or multipart upload written with SSE-C keeps
// about its key: the key MD5 (which responses echo) and a salted
// HMAC-SHA256 of the key that proves a later key is the same one without
// keeping the key.
type ssecRecord struct {
	KeyMD5 string `json:"md5"`
	Salt   []byte `json:"salt"`
	MAC    []byte `json:"mac"`
}

// newSSECRecord fingerprints k under a fresh random salt.
func newSSECRecord(k *customerKey) *ssecRecord {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic("s3: crypto/rand failed: " + err.Error())
	}
	return &ssecRecord{KeyMD5: k.md5, Salt: salt, MAC: ssecMAC(salt, k.key)}
}

func ssecMAC(salt, key []byte) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write(key)
	return m.Sum(nil)
}

// matches reports whether k is the key r was made from.
func (r *ssecRecord) matches(k *customerKey) bool {
	return hmac.Equal(r.MAC, ssecMAC(r.Salt, k.key))
}

func errSSECRequired() *awsapi.Error {
	return errInvalidRequest("The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
}

func errSSECNotApplicable() *awsapi.Error {
	return errInvalidRequest("The encryption parameters are not applicable to this object.")
}

// checkReadKey checks the key a GET, HEAD or copy presents for a version
// whose SSE-C record is rec (nil: not written with SSE-C): a missing key is
// 400 InvalidRequest, another key 403 AccessDenied, a key for an object
// without SSE-C 400 InvalidRequest.
func checkReadKey(rec *ssecRecord, h ssecHeaders) error {
	k, err := h.parse()
	if err != nil {
		return err
	}
	switch {
	case rec == nil && k == nil:
		return nil
	case rec == nil:
		return errSSECNotApplicable()
	case k == nil:
		return errSSECRequired()
	case !rec.matches(k):
		return errAccessDenied()
	}
	return nil
}

// checkUploadKey checks the key an UploadPart, UploadPartCopy or
// CompleteMultipartUpload presents for an upload whose SSE-C record is rec.
// Parts must carry the upload's key; Complete may omit it unless required.
func checkUploadKey(rec *ssecRecord, h ssecHeaders, required bool) error {
	k, err := h.parse()
	if err != nil {
		return err
	}
	switch {
	case rec == nil && k == nil:
		return nil
	case rec == nil:
		return errSSECNotApplicable()
	case k == nil && required:
		return errInvalidRequest("The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.")
	case k != nil && !rec.matches(k):
		return errInvalidRequest("The provided encryption parameters did not match the ones used originally.")
	}
	return nil
}

// echoSSEC fills the SSE-C response headers of an object or upload.
func echoSSEC(rec *ssecRecord, alg, keyMD5 **string) {
	if rec == nil {
		return
	}
	*alg, *keyMD5 = ptr(ssecAlgorithm), ptr(rec.KeyMD5)
}

// writeEncryption applies the SSE-C key and the rules on combining
// encryption headers to the metadata of a write: SSE-C excludes
// x-amz-server-side-encryption, and a KMS key id needs aws:kms.
func writeEncryption(m *objectMeta, in metaInput) error {
	k, err := ssecHeaders{alg: in.SSECustomerAlgorithm, key: in.SSECustomerKey, md5: in.SSECustomerKeyMD5}.parse()
	if err != nil {
		return err
	}
	if k != nil && in.SSE != nil {
		return errInvalidArgument("Server Side Encryption with Customer provided key is incompatible with the encryption method specified").
			With("ArgumentName", "x-amz-server-side-encryption").With("ArgumentValue", *in.SSE)
	}
	if in.KMSKeyID != nil && !strings.HasPrefix(str(in.SSE), "aws:kms") {
		return errInvalidArgument("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms").
			With("ArgumentName", "x-amz-server-side-encryption-aws-kms-key-id")
	}
	if k != nil {
		m.ssec = newSSECRecord(k)
		m.sse, m.kms, m.bucketKey = "", "", false
	}
	return nil
}

// rejectSSEOnRead answers a GET or HEAD that carries SSE-S3/SSE-KMS
// request headers with 400 InvalidArgument, as S3 does.
func rejectSSEOnRead(ctx context.Context) error {
	r := awsapi.RequestFrom(ctx)
	if r == nil || r.HTTP == nil {
		return nil
	}
	for _, h := range []string{"x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id"} {
		if _, ok := r.HTTP.Header[http.CanonicalHeaderKey(h)]; ok {
			return errInvalidArgument("%s header is not supported for this operation.", h).With("ArgumentName", h)
		}
	}
	return nil
}

// partCopyKeys checks both keys of an UploadPartCopy: the source's (as a
// copy reads it) and the upload's (as a part writes it).
func partCopyKeys(up *uploadRecord, src *objectRecord, in *s3api.UploadPartCopyInput) error {
	if err := checkReadKey(src.SSEC, ssecHeaders{alg: in.CopySourceSSECustomerAlgorithm, key: in.CopySourceSSECustomerKey,
		md5: in.CopySourceSSECustomerKeyMD5, copySource: true}); err != nil {
		return err
	}
	return checkUploadKey(up.SSEC, ssecHeaders{alg: in.SSECustomerAlgorithm, key: in.SSECustomerKey, md5: in.SSECustomerKeyMD5}, true)
}

// echoUploadSSE fills the SSE-S3/SSE-KMS response headers of the requests
// of a multipart upload.
func (s *Service) echoUploadSSE(up *uploadRecord, sse, kms **string) {
	var bk *bool
	s.echoSSE(&objectRecord{SSE: up.SSE, SSEKMSKeyID: up.SSEKMSKeyID}, sse, kms, &bk)
}
