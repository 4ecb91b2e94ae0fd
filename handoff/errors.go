package handoff

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Error is a failed helpdesk call. It tells the delivery worker whether to
// try again (Retryable) and, when the helpdesk said so, not before
// RetryAfter. Permanent errors (Retryable false) carry in their text what
// the user must fix; retrying them only repeats the failure.
type Error struct {
	// Connector names the helpdesk ("zendesk", "freshdesk", "webhook").
	Connector string
	// Op is what was attempted: "open", "append", "close" or a lookup.
	Op string
	// Status is the HTTP status, 0 when no response arrived.
	Status    int
	Retryable bool
	// RetryAfter is the helpdesk's Retry-After, zero when absent.
	RetryAfter time.Duration
	// Message is the helpdesk's own explanation, when it gave one.
	Message string
	// Hint says what the user should do (check a token, a field id...).
	Hint string
	Err  error
}

func (e *Error) Error() string {
	return Redact(e.text())
}

func (e *Error) text() string {
	var b strings.Builder
	b.WriteString(e.Connector)
	if e.Op != "" {
		b.WriteString(" " + e.Op)
	}
	b.WriteString(": ")
	if e.Status != 0 {
		b.WriteString(strconv.Itoa(e.Status) + " " + http.StatusText(e.Status))
	} else if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Hint != "" {
		b.WriteString(": " + e.Hint)
	}
	if e.Retryable {
		if e.RetryAfter > 0 {
			b.WriteString(" (will retry after " + e.RetryAfter.String() + ")")
		} else {
			b.WriteString(" (will retry)")
		}
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether err is worth retrying and the earliest delay
// the helpdesk asked for (zero: the worker's own backoff). Errors that are
// not an *Error are retryable: an unknown failure is assumed transient.
func Retryable(err error) (bool, time.Duration) {
	if err == nil {
		return false, 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Retryable, e.RetryAfter
	}
	return true, 0
}

// ClientHints say what the user should check when a helpdesk refuses a
// request; they end the text of permanent errors.
type ClientHints struct {
	// Auth is what to check on 401 and 403.
	Auth string
	// NotFound is what to check on 404 (base URL, subdomain, ticket).
	NotFound string
	// Invalid is what to check on 400 and 422 (field ids, group ids).
	Invalid string
}

// responseError maps a non-2xx response to an *Error: 408, 409, 425, 429
// and 5xx are retryable (with Retry-After when given), anything else is
// permanent with the helpdesk's message and a hint.
func responseError(connector, op string, status int, header http.Header, body []byte, now time.Time, h ClientHints) *Error {
	e := &Error{Connector: connector, Op: op, Status: status, Message: helpdeskMessage(body)}
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		e.Retryable = true
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), now)
		if status == http.StatusTooManyRequests && e.Hint == "" {
			e.Hint = "rate limited by the helpdesk"
		}
	case status >= 500, status == http.StatusRequestTimeout, status == http.StatusConflict, status == http.StatusTooEarly:
		e.Retryable = true
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), now)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Hint = h.Auth
	case status == http.StatusNotFound:
		e.Hint = h.NotFound
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		e.Hint = h.Invalid
	}
	return e
}

// ErrTicketGone is what a connector's error is (errors.Is) when the
// ticket takes no more messages: an agent deleted it, or it is closed
// (Zendesk takes no comment on a closed ticket, and a ticket merged into
// another is closed). Such an error is permanent: nobody reads that
// ticket any more. A close of such a ticket is done; a customer's message
// for it is dead, and the host returns the conversation to the bot, as
// when the helpdesk reports the ticket closed.
var ErrTicketGone = errors.New("the ticket takes no more messages")

// goneError is an error that is ErrTicketGone, with its own text, why
// (flows.GoneDeleted, GoneMerged or GoneClosed) and, merged, into which
// ticket when known.
type goneError struct{ msg, reason, into string }

func (g goneError) Error() string        { return g.msg }
func (g goneError) Is(target error) bool { return target == ErrTicketGone }

// GoneReason says why err's ticket takes no more messages, when err is
// ErrTicketGone and the connector could tell: flows.GoneDeleted (an
// agent deleted it: Zendesk and Freshdesk answer 404, the generic
// webhook's receiver 404 or 410), flows.GoneMerged
// (Zendesk: an agent merged it into another, which closed it; into is
// that ticket when the merge's comment names it) or flows.GoneClosed
// (Zendesk's closed ticket takes no comment); empty otherwise.
func GoneReason(err error) (reason, into string) {
	var g goneError
	if errors.As(err, &g) {
		return g.reason, g.into
	}
	return "", ""
}

// accountAnswers tells a ticket that is gone from an account address
// that is wrong, when reading the ticket failed with notFound (a 404) and
// reading the API user's own record (path) then failed with merr: nil
// means the account answered, so the ticket is gone (true). A 404 there
// too means every request answers 404, and notFound is returned with a
// hint naming setting; an error worth retrying (a 5xx, a timeout) is
// returned as it is, nothing being known yet; any other is notFound.
func accountAnswers(notFound, merr error, path, setting string) (bool, error) {
	if merr == nil {
		return true, nil
	}
	if retry, _ := Retryable(merr); retry {
		return false, merr
	}
	var e, me *Error
	if errors.As(notFound, &e) && errors.As(merr, &me) && me.Status == http.StatusNotFound {
		wrong := *e
		wrong.Hint = "every request answers 404, " + path + " too: check " + setting + " (or base_url)"
		return false, &wrong
	}
	return false, notFound
}

// transportError wraps a failure to get any response: timeouts, refused
// or reset connections, a cancellation (the worker shutting down: the item
// is claimed again later) and a host name that does not resolve are all
// retryable, within the item's max age. A name that does not resolve may
// be a misconfigured subdomain, and the hint says to check it, but it is
// also what a brief DNS outage looks like: dead-lettering it would leave
// every handoff of the outage for `baton handoff retry`, and retrying it
// delivers them once the name resolves (or the config is fixed).
func transportError(connector, op string, err error) *Error {
	e := &Error{Connector: connector, Op: op, Err: err, Retryable: true}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		e.Hint = hintNoSuchHost
	}
	return e
}

// The hints of a helpdesk host name that does not resolve: before the
// connector ever reached the host, and after it did.
const (
	hintNoSuchHost   = "the helpdesk host does not exist: check the subdomain or base URL"
	hintHostWentAway = "the helpdesk host, which answered before, does not resolve now: a DNS failure"
)

// decodeError reports a 2xx response Baton could not read: the request
// may have succeeded, so it is retryable (creation is idempotent).
func decodeError(connector, op string, err error) *Error {
	return &Error{Connector: connector, Op: op, Retryable: true,
		Err: fmt.Errorf("unexpected response: %w", err)}
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an
// HTTP-date (RFC 9110 §10.2.3). Garbage, negative values and past dates
// give zero; values are capped at a day (a number past an int64 too).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if n <= 0 {
			return 0
		}
		if n > 86400 {
			n = 86400
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d < 0 {
		return 0
	}
	return min(d, 24*time.Hour)
}

// helpdeskMessage extracts a short explanation from an error body in the
// shapes Zendesk ({"error": "...", "description": "...", "details": {...}}
// or {"error": {"title", "message"}}) and Freshdesk ({"description": "...",
// "errors": [{"field", "message", "code"}]}) use, else the body's start.
func helpdeskMessage(body []byte) string {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		s := strings.TrimSpace(string(body))
		if strings.HasPrefix(s, "<") { // an HTML error page says nothing useful
			return ""
		}
		return clip(s, 200)
	}
	var parts []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !containsString(parts, s) {
			parts = append(parts, s)
		}
	}
	switch e := m["error"].(type) {
	case string:
		add(e)
	case map[string]any:
		add(str(e["title"]))
		add(str(e["message"]))
	}
	add(str(m["description"]))
	add(str(m["message"]))
	if errs, ok := m["errors"].([]any); ok {
		for _, x := range errs {
			if fe, ok := x.(map[string]any); ok {
				s := str(fe["message"])
				if f := str(fe["field"]); f != "" {
					s = f + ": " + s
				}
				add(s)
			}
		}
	}
	if det, ok := m["details"].(map[string]any); ok {
		fields := make([]string, 0, len(det))
		for f := range det {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		for _, field := range fields {
			if list, ok := det[field].([]any); ok {
				for _, x := range list {
					if d, ok := x.(map[string]any); ok {
						add(field + ": " + str(d["description"]))
					}
				}
			}
		}
	}
	return clip(strings.Join(parts, "; "), 300)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// clip shortens s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
