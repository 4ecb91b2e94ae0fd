package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	openai "github.com/sashabaranov/go-openai"
)

// failure is why a call failed, worded for Signals.Fallback. It unwraps to
// a backoff.RetryAfterError when the server said how long to wait, which
// backoff.Retry then uses instead of its own interval.
type failure struct {
	reason     string
	retryAfter *backoff.RetryAfterError
}

func (f *failure) Error() string { return f.reason }

func (f *failure) Unwrap() error {
	if f.retryAfter == nil {
		return nil
	}
	return f.retryAfter
}

// errInvalid marks an answer the analyser could not use.
var errInvalid = errors.New("invalid response")

type invalidError struct{ detail string }

func (e *invalidError) Error() string { return "invalid response: " + e.detail }
func (e *invalidError) Unwrap() error { return errInvalid }

func invalid(detail string) error { return &invalidError{detail: shorten(detail, 120)} }

// reason is err as a short Signals.Fallback text.
func reason(err error) string {
	var f *failure
	if errors.As(err, &f) {
		return f.reason
	}
	var inv *invalidError
	if errors.As(err, &inv) {
		return inv.Error()
	}
	return shorten(err.Error(), 120)
}

func timeoutOrCanceled(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return &failure{reason: "canceled"}
	}
	return &failure{reason: "timeout"}
}

// classify turns a go-openai error into a failure, permanent unless a retry
// may help (429, 5xx, network errors), worded for a's configuration.
func classify(ctx context.Context, err error, st *callState, a *Analyzer) error {
	keySent := a.cfg.apiKey != ""
	if ctx.Err() != nil {
		return backoff.Permanent(timeoutOrCanceled(ctx))
	}
	status := 0
	msg, typ := "", ""
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	// An error body go-openai cannot read whole ({"error":"text"}) comes
	// as a RequestError wrapping an APIError without the status.
	case errors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0:
		status, msg, typ = apiErr.HTTPStatusCode, apiErr.Message, apiErr.Type
	case errors.As(err, &reqErr):
		status, msg = reqErr.HTTPStatusCode, bodyMessage(reqErr.Body)
	}
	switch {
	case status == http.StatusTooManyRequests && typ == "insufficient_quota":
		// No credit left or a spend limit reached: waiting does not help.
		return backoff.Permanent(&failure{reason: "http 429 insufficient_quota (the account has no credit left or hit its spend limit: check its plan and billing)"})
	case status == http.StatusTooManyRequests || status >= 500:
		// An overloaded server (503) may say when to come back, too.
		f := &failure{reason: "http " + strconv.Itoa(status)}
		d, ok := st.retryAfterValue()
		if !ok && status == http.StatusTooManyRequests {
			d, ok = st.rateLimitValue()
		}
		if ok {
			f.retryAfter = &backoff.RetryAfterError{Duration: d}
			if status == http.StatusTooManyRequests && d > 0 {
				// Until then every call would be refused too: none is sent.
				a.cfg.cooldown.hold(a.now().Add(d))
			}
		}
		return f
	case (status == http.StatusUnauthorized || status == http.StatusForbidden) && !keySent:
		return backoff.Permanent(&failure{reason: "http " + strconv.Itoa(status) + " (no API key was sent; set the key this server wants)"})
	case status == http.StatusUnauthorized:
		// Not the server's message: OpenAI's quotes part of the key.
		return backoff.Permanent(&failure{reason: "http 401 (check the API key)"})
	case status == http.StatusForbidden:
		// A key that works, without access to the model, or from a
		// region the server does not serve: its message says which.
		r := "http 403"
		if msg != "" {
			r += ": " + shorten(msg, 100)
		}
		return backoff.Permanent(&failure{reason: r + " (check what the key may use)"})
	case status == http.StatusNotFound:
		return backoff.Permanent(&failure{reason: a.notFound(msg)})
	case status != 0:
		r := "http " + strconv.Itoa(status)
		if msg != "" {
			r += ": " + shorten(msg, 100)
		}
		return backoff.Permanent(&failure{reason: r})
	}
	if isBodyTooLarge(err) {
		return backoff.Permanent(invalid(fmt.Sprintf("response body over %d KB", MaxResponseBytes>>10)))
	}
	var urlErr *url.Error
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &urlErr) && errors.Is(urlErr.Err, io.EOF) {
		// No response, or a body shorter than announced: a proxy or a
		// server restarting closed the connection.
		return &failure{reason: "network error: the connection closed before the whole answer"}
	}
	if errors.Is(err, io.EOF) {
		return backoff.Permanent(invalid("the body is empty, not a chat completion"))
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return &failure{reason: "network error: " + shorten(opErr.Err.Error(), 80)}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return backoff.Permanent(&failure{reason: "network error: " + shorten(dnsErr.Error(), 80)})
	}
	var synErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &synErr) || errors.As(err, &typeErr) {
		// A 2xx whose body is not a chat completion.
		return backoff.Permanent(invalid("body is not a chat completion: " + err.Error()))
	}
	return backoff.Permanent(&failure{reason: shorten(err.Error(), 120)})
}

// notFound words a 404 whose error message (if any) is msg. A server
// that serves chat completions says which model it does not know (OpenAI,
// Ollama, vLLM); any other 404 means no endpoint at that URL.
func (a *Analyzer) notFound(msg string) string {
	if msg != "" && strings.Contains(strings.ToLower(msg), "model") {
		return "http 404: " + shorten(msg, 100) + " (check the model name)"
	}
	r := "http 404"
	if msg != "" {
		r += ": " + shorten(msg, 60)
	}
	endpoint := a.cfg.baseURL + "/chat/completions"
	path := ""
	if u, err := url.Parse(a.cfg.baseURL); err == nil {
		path = u.Path
		u.User, u.RawQuery, u.Fragment = nil, "", ""
		endpoint = u.String() + "/chat/completions"
	}
	r += " (nothing at " + shorten(endpoint, 100) + ": check the base URL"
	if !versioned(path) {
		r += "; most servers want it to end in /v1"
	}
	return r + ")"
}

// versioned reports whether a URL path has a version segment (v1, v1beta).
func versioned(path string) bool {
	for _, seg := range strings.Split(path, "/") {
		if len(seg) >= 2 && seg[0] == 'v' && seg[1] >= '0' && seg[1] <= '9' {
			return true
		}
	}
	return false
}

// bodyMessage is the message of an error body in another server's shape
// than OpenAI's: {"error":"..."} (Hugging Face TGI) or
// {"message":"..."} (vLLM); "" for any other body.
func bodyMessage(body []byte) string {
	var b struct {
		Error   any    `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &b) != nil {
		return ""
	}
	if s, ok := b.Error.(string); ok && strings.TrimSpace(s) != "" {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(b.Message)
}

type callStateKey struct{}

// callState carries what the transport saw of the last response, which
// go-openai's errors do not keep.
type callState struct {
	// tokens is what OpenAI's rate limit counts for a request at least:
	// its max tokens.
	tokens     int
	mu         sync.Mutex
	retryAfter time.Duration
	hasRetry   bool
	rateWait   time.Duration
	hasRate    bool
}

func (s *callState) reset() {
	s.mu.Lock()
	s.retryAfter, s.hasRetry = 0, false
	s.rateWait, s.hasRate = 0, false
	s.mu.Unlock()
}

func (s *callState) record(h http.Header, now time.Time) {
	d, ok := parseRetryAfter(h, now)
	rd, rok := rateLimitWait(h, s.tokens)
	s.mu.Lock()
	s.retryAfter, s.hasRetry = d, ok
	s.rateWait, s.hasRate = rd, rok
	s.mu.Unlock()
}

func (s *callState) retryAfterValue() (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.retryAfter, s.hasRetry
}

func (s *callState) rateLimitValue() (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateWait, s.hasRate
}

// rateLimitWait reads OpenAI's x-ratelimit-* headers: when a limit is
// used up (no request left, or fewer tokens left than a request counts:
// OpenAI counts at least its max tokens, need), how long until it resets,
// the longer of the two; false when neither is used up or says when.
// Reset times are durations ("1s", "6m0s", "20ms"), or seconds.
func rateLimitWait(h http.Header, need int) (time.Duration, bool) {
	var wait time.Duration
	found := false
	for _, l := range []struct {
		kind string
		need int
	}{{"requests", 1}, {"tokens", need}} {
		left, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Ratelimit-Remaining-"+l.kind)), 10, 64)
		if err != nil || left < 0 || left >= int64(max(l.need, 1)) {
			continue
		}
		if d, ok := parseReset(h.Get("X-Ratelimit-Reset-" + l.kind)); ok {
			wait, found = max(wait, d), true
		}
	}
	return wait, found
}

// parseReset reads an x-ratelimit-reset-* value, at most maxRetryAfter.
func parseReset(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if d, err := time.ParseDuration(v); err == nil {
		return min(max(d, 0), maxRetryAfter), true
	}
	secs, err := strconv.ParseFloat(v, 64)
	return boundedWait(secs, err, time.Second)
}

// maxRetryAfter is the longest wait a Retry-After (or retry-after-ms) is
// read as: far past any timeout, so the analyser gives up at once.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads OpenAI's retry-after-ms (milliseconds, may be
// fractional), else the standard Retry-After (seconds or an HTTP date),
// at most maxRetryAfter.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		ms, err := strconv.ParseFloat(v, 64)
		if d, ok := boundedWait(ms, err, time.Millisecond); ok {
			return d, true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		return boundedWait(secs, err, time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

// boundedWait is n units (a header's number, parsed with err; a number
// out of a float64's range is +Inf) as a wait of at most maxRetryAfter;
// false when it is no number, or negative.
func boundedWait(n float64, err error, unit time.Duration) (time.Duration, bool) {
	if err != nil && !errors.Is(err, strconv.ErrRange) || !(n >= 0) {
		return 0, false
	}
	if n >= float64(maxRetryAfter/unit) {
		return maxRetryAfter, true
	}
	return time.Duration(n * float64(unit)), true
}
