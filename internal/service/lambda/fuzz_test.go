package lambda

import (
	"os"
	"strings"
	"testing"
)

func FuzzParseFunctionRef(f *testing.F) {
	for _, s := range []string{"fn", "fn:1", "fn:$LATEST", "123456789012:function:fn", "arn:aws:lambda:us-east-1:123456789012:function:fn:alias",
		"arn:aws:lambda:eu-west-1:123456789012:function:fn", "bad/name", "", strings.Repeat("a", 65)} {
		f.Add(s)
	}
	s := &Service{region: "us-east-1", account: "123456789012"}
	f.Fuzz(func(t *testing.T, ref string) {
		r, err := s.parseFunctionRef("functionName", ref, true)
		if err == nil && !nameRE.MatchString(r.Name) {
			t.Fatalf("accepted invalid name %q from %q", r.Name, ref)
		}
	})
}

func FuzzExtractZip(f *testing.F) {
	f.Add(helloZip(f))
	f.Add(makeZip(f, zipEntry{name: "../x", body: "x"}))
	f.Add(makeZip(f, zipEntry{name: "l", body: "..", mode: os.ModeSymlink | 0o777}))
	f.Add([]byte("not a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		if err := extractZip(data, root); err != nil {
			return
		}
		// Everything extracted must stay inside root.
		err := walkResolved(root)
		if err != nil {
			t.Fatal(err)
		}
	})
}

// walkResolved checks that every path under root resolves inside root.
func walkResolved(root string) error {
	realRoot, err := filepathEval(root)
	if err != nil {
		return err
	}
	return filepathWalk(root, func(p string) error {
		r, err := filepathEval(p)
		if err != nil {
			return err
		}
		if r != realRoot && !strings.HasPrefix(r, realRoot+"/") {
			return &escapeError{p}
		}
		return nil
	})
}

type escapeError struct{ path string }

func (e *escapeError) Error() string { return "escaped: " + e.path }
