package whatsapp

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Defaults of a Handler and a Sender.
const (
	// DefaultMaxBody is the largest notification read (Meta sends at most
	// 3 MB); larger bodies get 413.
	DefaultMaxBody = 3 << 20
	// DefaultMaxAge is how old a message may be and still be processed:
	// the Inbox's default dedupe window, so a redelivery Meta makes within
	// its 7 days of retries is always recognised as a duplicate.
	DefaultMaxAge = 7 * 24 * time.Hour
	// DefaultReceiveTimeout bounds the Receiver's work for one delivery.
	DefaultReceiveTimeout = 10 * time.Second
	// DefaultGraphURL is the Graph API's base URL.
	DefaultGraphURL = "https://graph.facebook.com"
	// DefaultAPIVersion is the Graph API version sends use.
	DefaultAPIVersion = "v24.0"
	// DefaultThrottleTries is how many times a throttled send is retried
	// within Send before the error goes back to the caller.
	DefaultThrottleTries = 2
	// DefaultThrottleWait bounds the time Send spends waiting on
	// throttling; a longer Retry-After goes back to the caller at once.
	DefaultThrottleWait = 10 * time.Second
)

// Option configures a Handler or a Sender; each says which it is for.
type Option func(*options)

type options struct {
	now func() time.Time
	log *slog.Logger

	// handler
	maxBody int64
	maxAge  time.Duration
	timeout time.Duration
	reject  func(reason string)

	// sender
	graphURL   string
	version    string
	client     *http.Client
	template   *Template
	tries      int
	maxWait    time.Duration
	listButton map[string]string
	sent       func(ctx context.Context, conversation, wamid string)
}

func buildOptions(opts []Option) options {
	o := options{
		now:      time.Now,
		log:      slog.New(slog.DiscardHandler),
		maxBody:  DefaultMaxBody,
		maxAge:   DefaultMaxAge,
		timeout:  DefaultReceiveTimeout,
		graphURL: DefaultGraphURL,
		version:  DefaultAPIVersion,
		client:   &http.Client{Timeout: 30 * time.Second},
		tries:    DefaultThrottleTries,
		maxWait:  DefaultThrottleWait,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithClock sets the clock (Handler: messages' ages; Sender: the 24-hour
// window).
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithLogger logs refusals, skipped items and send failures to l (ids,
// reasons and codes; never message text or phone numbers).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// WithMaxBody limits notification bodies to n bytes (Handler; default
// 3 MiB).
func WithMaxBody(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxBody = n
		}
	}
}

// WithMaxAge sets how old a message may be and still be processed
// (Handler; default 7 days). Keep it within the Inbox's dedupe TTL: an
// older redelivery might no longer be recognised as a duplicate.
func WithMaxAge(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.maxAge = d
		}
	}
}

// WithReceiveTimeout bounds the Receiver's work for one delivery (Handler;
// default 10s); past it the handler answers 500 and Meta delivers again.
func WithReceiveTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithRejectHook calls f with the reason (a Reject constant) of every
// refused request and every skipped item (Handler), for metrics.
func WithRejectHook(f func(reason string)) Option {
	return func(o *options) { o.reject = f }
}

// WithGraphURL sets the Graph API's base URL (Sender; default
// https://graph.facebook.com), e.g. a whatsapptest server's.
func WithGraphURL(u string) Option {
	return func(o *options) {
		if u != "" {
			o.graphURL = u
		}
	}
}

// WithAPIVersion sets the Graph API version (Sender; default v24.0).
func WithAPIVersion(v string) Option {
	return func(o *options) {
		if v != "" {
			o.version = v
		}
	}
}

// WithHTTPClient sets the client calls go through (Sender; default: a
// client with a 30s timeout).
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) {
		if c != nil {
			o.client = c
		}
	}
}

// WithTemplate names the approved message template sent instead of a
// reply outside the 24-hour customer-service window (Sender). Without one,
// such a send fails with flows.ErrOutsideWindow.
func WithTemplate(t Template) Option {
	return func(o *options) {
		if t.Name != "" {
			o.template = &t
		}
	}
}

// WithThrottleRetry sets how many times Send retries a throttled send
// (130429, 131056, 80007, 4, HTTP 429) with exponential backoff or the
// provider's Retry-After, and the most it waits in all (Sender; default 2
// and 10s). tries 0 hands every throttling error back at once.
func WithThrottleRetry(tries int, maxWait time.Duration) Option {
	return func(o *options) {
		if tries >= 0 {
			o.tries = tries
		}
		if maxWait > 0 {
			o.maxWait = maxWait
		}
	}
}

// WithListButton sets the label of a list message's button by language
// (Sender; at most 20 characters), over the built-in ones.
func WithListButton(labels map[string]string) Option {
	return func(o *options) { o.listButton = labels }
}

// WithSent calls f with the conversation and the wamid Graph answered
// with for every message Send delivers to a phone number when the
// conversation's contact id is not that number (a conversation keyed by
// the business-scoped user id) (Sender). A failed status of such a
// message names only the phone (no recipient_user_id, no
// biz_opaque_callback_data), so the host records the wamid to find the
// conversation again (flows.SentLog). f must not block for long; a
// message sent is sent whatever f does.
func WithSent(f func(ctx context.Context, conversation, wamid string)) Option {
	return func(o *options) { o.sent = f }
}
