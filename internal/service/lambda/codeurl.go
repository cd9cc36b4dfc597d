package lambda

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/service"
)

// CodeURLTTL is how long a GetFunction code download URL stays valid, like
// AWS's presigned URL.
const CodeURLTTL = 10 * time.Minute

const codeRoutePrefix = "/_nubo/lambda/code/"

// RawRoutes serves code package downloads at /_nubo/lambda/code/<token>;
// the token is an HMAC-signed, expiring reference to one package.
func (s *Service) RawRoutes() []service.RawRoute {
	return []service.RawRoute{{Pattern: codeRoutePrefix + "{token}", Handler: http.HandlerFunc(s.serveCode)}}
}

// codeLocation returns the download URL of the package with hex hash h.
func (s *Service) codeLocation(ctx context.Context, h string) string {
	base := s.endpoint
	if r := awsapi.RequestFrom(ctx); r != nil && r.Endpoint != "" {
		base = r.Endpoint
	}
	exp := strconv.FormatInt(s.clock.Now().Add(CodeURLTTL).Unix(), 10)
	return strings.TrimSuffix(base, "/") + codeRoutePrefix + h + "." + exp + "." + s.sign(h+"."+exp)
}

func (s *Service) sign(msg string) string {
	m := hmac.New(sha256.New, s.urlKey)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verifyCodeToken returns the package hash named by a valid, unexpired token.
func (s *Service) verifyCodeToken(token string) (string, int, string) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(parts[0]) != 64 {
		return "", http.StatusForbidden, "The request signature we calculated does not match the signature you provided."
	}
	if !hmac.Equal([]byte(s.sign(parts[0]+"."+parts[1])), []byte(parts[2])) {
		return "", http.StatusForbidden, "The request signature we calculated does not match the signature you provided."
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || s.clock.Now().Unix() > exp {
		return "", http.StatusForbidden, "Request has expired"
	}
	return parts[0], 0, ""
}

func (s *Service) serveCode(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	h, status, msg := s.verifyCodeToken(r.PathValue("token"))
	if status != 0 {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>" + msg + "</Message></Error>"))
		return
	}
	rc, _, err := s.blobs.Open(h)
	if err != nil {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"))
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/zip")
	http.ServeContent(w, r, "", time.Time{}, rc)
}
