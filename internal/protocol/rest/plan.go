package rest

import (
	"net/textproto"
	"sync"

	"github.com/nubo/nubo/internal/awsapi"
)

// The binding work that depends only on the model — parsing an operation's
// requestUri, canonicalising header names — is done once per template and
// shape and memoised here. The memos hold values derived from immutable model
// data, so sharing them between requests and goroutines changes nothing but
// the cost.
var (
	templates  sync.Map // requestUri string → *Template
	headerKeys sync.Map // *awsapi.Shape → []string
)

// cachedTemplate returns the parsed template of uri, parsing it on first use.
func cachedTemplate(uri string) (*Template, error) {
	if t, ok := templates.Load(uri); ok {
		return t.(*Template), nil
	}
	t, err := ParseTemplate(uri)
	if err != nil {
		return nil, err
	}
	templates.Store(uri, t)
	return t, nil
}

// memberHeaderKeys returns, for each member of structure sh in order, the
// canonical MIME key of its header name ("" for members not bound to a
// header), as http.Header.Get and Set would compute it.
func memberHeaderKeys(sh *awsapi.Shape) []string {
	if k, ok := headerKeys.Load(sh); ok {
		return k.([]string)
	}
	keys := make([]string, len(sh.Members))
	for i, m := range sh.Members {
		if m.Location == LocationHeader {
			keys[i] = textproto.CanonicalMIMEHeaderKey(m.WireName())
		}
	}
	headerKeys.Store(sh, keys)
	return keys
}
