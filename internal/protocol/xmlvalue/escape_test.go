package xmlvalue

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
)

var escapeCases = []string{
	"", "plain", `"9b2cf535f27731c974343645a3985328"`, "a<b>&c'd\"e", "tab\tnew\nline\rcr",
	"\x00\x1f\x7f", "héllo wörld", "\xff\xfe bad utf8", "\uFFFE\uFFFF", "emoji 😀 & more",
}

// TestEscapeTextMatchesEncodingXML checks that EscapeText writes what
// encoding/xml.EscapeText writes, except that tab and newline stay themselves
// as AWS writes them.
func TestEscapeTextMatchesEncodingXML(t *testing.T) {
	for _, s := range escapeCases {
		t.Run(s, func(t *testing.T) { checkEscape(t, s) })
	}
}

func FuzzEscapeText(f *testing.F) {
	for _, s := range escapeCases {
		f.Add(s)
	}
	f.Fuzz(checkEscape)
}

func checkEscape(t *testing.T, s string) {
	var got, want bytes.Buffer
	EscapeText(&got, s)
	if err := xml.EscapeText(&want, []byte(s)); err != nil {
		t.Fatal(err)
	}
	wantS := strings.NewReplacer("&#x9;", "\t", "&#xA;", "\n").Replace(want.String())
	if got.String() != wantS {
		t.Errorf("EscapeText(%q) = %q, want %q", s, got.String(), wantS)
	}
}

// TestEscapeTextRoundTrips checks that what EscapeText writes decodes back to
// the original text (for text XML can carry), tab, newline and carriage return
// included.
func TestEscapeTextRoundTrips(t *testing.T) {
	for _, s := range []string{"tab\tnew\nline\rcr", "a<b>&c'd\"e", "emoji 😀", "ctl/tab\tnewline\ncr\rend.txt"} {
		var buf bytes.Buffer
		buf.WriteString("<v>")
		EscapeText(&buf, s)
		buf.WriteString("</v>")
		var got string
		if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got != s {
			t.Errorf("round trip of %q gave %q (wire %q)", s, got, buf.String())
		}
	}
}
