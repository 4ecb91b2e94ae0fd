package flows

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A summary past MaxSummaryBytes is cut to it, on a rune boundary,
// marked with "…"; at a space near the limit when there is one, so that
// an e-mail address or an order code is never cut in half (masking would
// no longer recognise the half it left).
func TestClipSummary(t *testing.T) {
	short := "Anna wants a refund for A12345."
	if got := ClipSummary(short); got != short {
		t.Errorf("ClipSummary(%q) = %q, want it unchanged", short, got)
	}
	exact := strings.Repeat("a", MaxSummaryBytes)
	if got := ClipSummary(exact); got != exact {
		t.Errorf("a summary of exactly MaxSummaryBytes was cut to %d bytes", len(got))
	}
	email := "anna.rossi.long.address@example.com"
	words := strings.Repeat("word ", (MaxSummaryBytes-20)/5) + email + " " + strings.Repeat("more ", 100)
	for name, s := range map[string]string{
		"words":              strings.Repeat("the customer wants a refund ", 10000),
		"multibyte no space": strings.Repeat("è", 3*MaxSummaryBytes),
		"four-byte runes":    strings.Repeat("😀", MaxSummaryBytes),
		"e-mail at the cut":  words,
		"one long token":     strings.Repeat("x", MaxSummaryBytes*3),
	} {
		got := ClipSummary(s)
		if len(got) > MaxSummaryBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") || !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
			t.Errorf("%s: ClipSummary gave %d bytes (valid UTF-8 %v), ending %q; want at most %d, a prefix of the text, marked with …",
				name, len(got), utf8.ValidString(got), got[max(len(got)-20, 0):], MaxSummaryBytes)
		}
		if len(got) < MaxSummaryBytes-300 {
			t.Errorf("%s: ClipSummary kept only %d bytes", name, len(got))
		}
	}
	if got := ClipSummary(words); strings.Contains(got, "anna.") && !strings.Contains(got, email) {
		t.Errorf("the e-mail address at the cut was cut in half: %q", got[len(got)-60:])
	}
}
