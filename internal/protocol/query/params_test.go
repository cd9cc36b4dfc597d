package query

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// paramsCases are a URL query and a form body, for comparing ParamsWithForm
// with Params.
var paramsCases = []struct{ name, query, body string }{
	{"body only", "", "Action=SendMessage&Version=2012-11-05&MessageBody=x"},
	{"query and body", "?A=1&B=2", "A=3&C=4"},
	{"repeated keys", "?A=1&A=2", "A=3&A=4&A=5"},
	{"empty body", "?Action=ListQueues", ""},
	{"malformed query", "?A=%zz", "B=1"},
}

// TestParamsWithForm checks that ParamsWithForm, given the parsed body,
// answers what Params answers when it reads and parses the body itself.
func TestParamsWithForm(t *testing.T) {
	for _, tc := range paramsCases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "http://localhost/"+tc.query, nil)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			want, wantErr := Params(r, strings.NewReader(tc.body))
			form, err := url.ParseQuery(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			got, gotErr := ParamsWithForm(r, form, len(tc.body))
			if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
				t.Fatalf("error %v, want %v", gotErr, wantErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
	r := httptest.NewRequest(http.MethodPost, "http://localhost/", nil)
	if _, err := ParamsWithForm(r, url.Values{}, MaxBody+1); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("oversized body: %v", err)
	}
}
