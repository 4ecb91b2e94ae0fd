package flows

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Summarizer writes the short text at the top of a handoff's ticket
// (Handoff.Summary) from the handoff: what the customer wants, what the bot
// already did or collected, why it escalated. nlu/llm's Analyzer is one;
// hosts set h.Summary with it before routing and saving the handoff, and
// leave it empty on an error, so the handoff package's extractive summary
// is used instead. A summary is at most MaxSummaryBytes: hosts cut a
// longer one with ClipSummary.
type Summarizer interface {
	// Summarize returns the summary of h in the conversation's language,
	// or an error saying why there is none.
	Summarize(ctx context.Context, h *Handoff) (string, error)
}

// MaxSummaryBytes bounds a handoff's summary (Handoff.Summary): hosts cut
// a Summarizer's answer to it, and the handoff package what a ticket
// shows (the extractive summary, or a Summary set by other code), with
// ClipSummary.
const MaxSummaryBytes = 2000

// clipSummarySpace is how far before the limit ClipSummary looks for a
// space to cut at: more than an e-mail address can be long (254 bytes).
const clipSummarySpace = 256

// ClipSummary cuts s to at most MaxSummaryBytes bytes, ending it with "…"
// when it cut: at the last space within 256 bytes of the limit when there
// is one (so that a word, an e-mail address or an order code is never cut
// in half, and masking still recognises it), else on a rune boundary.
func ClipSummary(s string) string {
	if len(s) <= MaxSummaryBytes {
		return s
	}
	n := MaxSummaryBytes - len("…")
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	from := max(n-clipSummarySpace, 0)
	if i := strings.LastIndexFunc(s[from:n], unicode.IsSpace); i >= 0 {
		if head := strings.TrimRightFunc(s[:from+i], unicode.IsSpace); head != "" {
			n = len(head)
		}
	}
	return s[:n] + "…"
}
