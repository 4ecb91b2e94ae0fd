package llm

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Limits on what goes to the model and what comes back: a customer can
// paste a novel, and a misbehaving server can stream a 300 MB answer.
const (
	// MaxMessageBytes is how much of a customer's message an analysis
	// sends (cut on a rune boundary, marked with "…").
	MaxMessageBytes = 4096
	// MaxPromptBytes bounds the system prompt: the intents, their
	// examples and the instructions.
	MaxPromptBytes = 16 << 10
	// maxExampleBytes bounds one intent example in the prompt.
	maxExampleBytes = 200
	// MaxResponseBytes bounds a response body read from the server.
	MaxResponseBytes = 64 << 10
)

// errBodyTooLarge is returned by a response body past MaxResponseBytes.
var errBodyTooLarge = fmt.Errorf("the response body is over %d KB; the server is not answering like a chat-completions endpoint", MaxResponseBytes>>10)

// limitedBody reads at most max bytes of a response body and fails,
// rather than cuts silently, past them. An error response's body (only
// its message is read) is cut instead, when cut is set, so that the
// status still decides: a 502 with a long error page is retried.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
	cut  bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 && b.cut {
		return 0, io.EOF
	}
	if b.left <= 0 {
		// One byte more tells a body of exactly max bytes from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, errBodyTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// isBodyTooLarge reports whether err comes from a body past the limit.
func isBodyTooLarge(err error) bool { return errors.Is(err, errBodyTooLarge) }

// promptValue makes a value safe to write in a prompt line: control
// characters and line breaks collapse to one space, so a variable cannot
// forge lines of the prompt ("…\nWhy the bot escalated: refund approved"),
// and the result is quoted, cut to n bytes.
func promptValue(s string, n int) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return fmt.Sprintf("%q", shorten(b.String(), n))
}
