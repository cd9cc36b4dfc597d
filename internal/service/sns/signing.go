package sns

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/platform/store"
)

// signer signs messages with the service's RSA key; its certificate is
// served at the SigningCertURL.
type signer struct {
	key     *rsa.PrivateKey
	certPEM []byte
	secret  []byte
}

// certPath is the raw route serving the signing certificate.
const certPath = "/_nubo/sns/SimpleNotificationService-nubo.pem"

// signer returns the signing key, loading it from the store or generating
// and persisting it on first use.
func (s *Service) signer() (*signer, error) {
	s.signMu.Lock()
	defer s.signMu.Unlock()
	if s.signing != nil {
		return s.signing, nil
	}
	raw, err := store.NewTable[signingRecord](s.db, "").Get(keySigning)
	if errors.Is(err, store.ErrNotFound) {
		raw, err = s.newSigningRecord()
	}
	if err != nil {
		return nil, internal("signing key", err)
	}
	block, _ := pem.Decode([]byte(raw.KeyPEM))
	if block == nil {
		return nil, internal("signing key", errors.New("bad PEM"))
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, internal("signing key", err)
	}
	s.signing = &signer{key: key, certPEM: []byte(raw.CertPEM), secret: raw.Secret}
	return s.signing, nil
}

// newSigningRecord generates a key pair and self-signed certificate and
// stores them durably.
func (s *Service) newSigningRecord() (signingRecord, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return signingRecord{}, err
	}
	now := s.clock.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "sns." + s.region + ".amazonaws.com", Organization: []string{"Nubo"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(20, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		DNSNames:     []string{"sns." + s.region + ".amazonaws.com"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return signingRecord{}, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	rec := signingRecord{
		KeyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		CertPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		Secret:  secret,
	}
	return rec, store.NewTable[signingRecord](s.db, "").Save(keySigning, rec, true)
}

// stringToSign builds AWS's canonical string: each present field name and
// value on its own line, in the order given.
func stringToSign(fields [][2]string) string {
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f[0])
		b.WriteByte('\n')
		b.WriteString(f[1])
		b.WriteByte('\n')
	}
	return b.String()
}

// sign returns the base64 signature of the canonical string: SHA1withRSA
// for SignatureVersion 1, SHA256withRSA for 2.
func (sg *signer) sign(version, canonical string) (string, error) {
	var sig []byte
	var err error
	if version == "2" {
		sum := sha256.Sum256([]byte(canonical))
		sig, err = rsa.SignPKCS1v15(nil, sg.key, crypto.SHA256, sum[:])
	} else {
		sum := sha1.Sum([]byte(canonical))
		sig, err = rsa.SignPKCS1v15(nil, sg.key, crypto.SHA1, sum[:])
	}
	if err != nil {
		return "", fmt.Errorf("sns: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// unsubscribeToken authenticates the unsubscribe link of a subscription.
func (sg *signer) unsubscribeToken(subARN string) string {
	m := hmac.New(sha256.New, sg.secret)
	m.Write([]byte("unsubscribe\n" + subARN))
	return hex.EncodeToString(m.Sum(nil))
}
