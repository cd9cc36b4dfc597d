package sns

import (
	"crypto/subtle"
	"encoding/json"
	"net"
	"net/http"
	"strconv"

	"github.com/nubo/nubo/internal/service"
)

// RawRoutes serves the signing certificate, the unsubscribe links in
// messages and the outbox of emails and SMS messages.
func (s *Service) RawRoutes() []service.RawRoute {
	return []service.RawRoute{
		{Pattern: certPath, Handler: http.HandlerFunc(s.serveCert)},
		{Pattern: "/_nubo/sns/unsubscribe", Handler: http.HandlerFunc(s.serveUnsubscribe)},
		{Pattern: "/_nubo/sns/messages", Handler: http.HandlerFunc(s.serveMessages)},
	}
}

// serveCert answers the PEM certificate that verifies message signatures.
func (s *Service) serveCert(w http.ResponseWriter, r *http.Request) {
	sg, err := s.signer()
	if err != nil {
		http.Error(w, "signing key unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(sg.certPEM)
}

// serveUnsubscribe is the UnsubscribeURL of delivered messages; it is
// authenticated by the HMAC in its Signature parameter.
func (s *Service) serveUnsubscribe(w http.ResponseWriter, r *http.Request) {
	subARN, sig := r.URL.Query().Get("SubscriptionArn"), r.URL.Query().Get("Signature")
	sg, err := s.signer()
	if err != nil {
		http.Error(w, "signing key unavailable", http.StatusInternalServerError)
		return
	}
	if subtle.ConstantTimeCompare([]byte(sig), []byte(sg.unsubscribeToken(subARN))) != 1 {
		http.Error(w, "invalid unsubscribe link", http.StatusForbidden)
		return
	}
	if err := s.unsubscribe(subARN); err != nil {
		http.Error(w, "unsubscribe failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(`<UnsubscribeResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ResponseMetadata>` +
		`<RequestId>nubo</RequestId></ResponseMetadata></UnsubscribeResponse>`))
}

// serveMessages lists the emails and SMS messages Nubo "sent", oldest first,
// as JSON {"messages":[MailRecord…]}. Query parameters filter them:
// protocol, endpoint, topicArn, type (Notification, SubscriptionConfirmation)
// and limit. Only loopback clients are answered, like the admin API.
func (s *Service) serveMessages(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		http.Error(w, "the SNS message outbox is served to loopback clients only", http.StatusForbidden)
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	out := []MailRecord{}
	err = s.mail.List("", "", 0, func(_ string, m MailRecord) bool {
		if match(q.Get("protocol"), m.Protocol) && match(q.Get("endpoint"), m.Endpoint) &&
			match(q.Get("topicArn"), m.TopicARN) && match(q.Get("type"), m.Type) {
			out = append(out, m)
		}
		return limit <= 0 || len(out) < limit
	})
	if err != nil {
		http.Error(w, "cannot read the outbox", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": out})
}

func match(want, got string) bool { return want == "" || want == got }
