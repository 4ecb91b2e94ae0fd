package telegram

import (
	"log/slog"
	"net/http"
	"time"
)

// Defaults of a Handler and a Sender.
const (
	// DefaultMaxBody is the largest update read; larger bodies get 413.
	DefaultMaxBody = 1 << 20
	// DefaultReceiveTimeout bounds the Receiver's work for one update.
	DefaultReceiveTimeout = 10 * time.Second
	// DefaultBaseURL is the Bot API's base URL.
	DefaultBaseURL = "https://api.telegram.org"
)

// Option configures a Handler or a Sender; each says which it is for.
type Option func(*options)

type options struct {
	now func() time.Time
	log *slog.Logger

	// handler
	maxBody int64
	timeout time.Duration
	reject  func(reason string)

	// sender
	baseURL string
	client  *http.Client
}

func buildOptions(opts []Option) options {
	o := options{
		now:     time.Now,
		log:     slog.New(slog.DiscardHandler),
		maxBody: DefaultMaxBody,
		timeout: DefaultReceiveTimeout,
		baseURL: DefaultBaseURL,
		client:  &http.Client{Timeout: 30 * time.Second},
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithClock sets the clock (Handler: the time of a button tap).
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithLogger logs refusals, skipped updates and send failures to l (ids,
// reasons and codes; never message text).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// WithMaxBody limits update bodies to n bytes (Handler; default 1 MiB).
func WithMaxBody(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxBody = n
		}
	}
}

// WithReceiveTimeout bounds the Receiver's work for one update (Handler;
// default 10s); past it the handler answers 500 and Telegram delivers
// again.
func WithReceiveTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithRejectHook calls f with the reason (a Reject constant) of every
// refused request and skipped update (Handler), for metrics.
func WithRejectHook(f func(reason string)) Option {
	return func(o *options) { o.reject = f }
}

// WithBaseURL sets the Bot API's base URL (Sender; default
// https://api.telegram.org), e.g. a telegramtest server's or a local Bot
// API server's.
func WithBaseURL(u string) Option {
	return func(o *options) {
		if u != "" {
			o.baseURL = u
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
