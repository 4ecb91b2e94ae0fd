package web

import (
	"crypto/rand"
	"log/slog"
	"time"
)

// Defaults of a Handler; every size and time it keeps is bounded.
const (
	DefaultName            = "site"
	DefaultTitle           = "Chat"
	DefaultMaxBody         = 16 << 10 // a posted message
	DefaultMaxText         = 4096     // characters of a message's text
	DefaultMaxBuffer       = 100      // events kept per conversation for resume
	DefaultMaxBufferBytes  = 64 << 10 // their bytes (the newest event is always kept)
	DefaultMaxStreams      = 4        // event streams open per conversation
	DefaultMaxConversation = 10000    // conversations kept in memory
	DefaultMaxOpenStreams  = 2000     // event streams open across conversations
	DefaultIdleTimeout     = 5 * time.Minute
	DefaultHeartbeat       = 25 * time.Second
	DefaultReceiveTimeout  = 10 * time.Second
	DefaultBurst           = 20 // posts a conversation may make at once
	DefaultRate            = 1  // posts per second it gets back
)

// Option configures a Handler.
type Option func(*options)

type options struct {
	name, title    string
	now            func() time.Time
	newID          func() string
	log            *slog.Logger
	reject         func(reason string)
	maxBody        int64
	maxText        int
	maxBuffer      int
	maxBufferBytes int
	maxStreams     int
	maxConvs       int
	idle, beat     time.Duration
	receiveTimeout time.Duration
	burst          int
	rate           float64
	maxOpen        int
}

func buildOptions(opts []Option) options {
	o := options{
		name: DefaultName, title: DefaultTitle, now: time.Now, newID: rand.Text,
		log: slog.New(slog.DiscardHandler), maxBody: DefaultMaxBody, maxText: DefaultMaxText,
		maxBuffer: DefaultMaxBuffer, maxBufferBytes: DefaultMaxBufferBytes, maxStreams: DefaultMaxStreams, maxConvs: DefaultMaxConversation,
		idle: DefaultIdleTimeout, beat: DefaultHeartbeat, receiveTimeout: DefaultReceiveTimeout,
		burst: DefaultBurst, rate: DefaultRate,
		maxOpen: DefaultMaxOpenStreams,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithName names the widget: the Account of its messages and the middle
// of its conversation ids (web:{name}:{conversation}); default "site".
func WithName(name string) Option {
	return func(o *options) {
		if name != "" {
			o.name = name
		}
	}
}

// WithTitle sets the chat page's title (default "Chat").
func WithTitle(title string) Option {
	return func(o *options) {
		if title != "" {
			o.title = title
		}
	}
}

// WithClock sets the clock messages are dated with.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithIDs sets the generator of conversation and message ids (default: 26
// random base32 characters, 130 bits). A conversation id is its own
// credential: whoever holds it reads the conversation.
func WithIDs(newID func() string) Option {
	return func(o *options) {
		if newID != nil {
			o.newID = newID
		}
	}
}

// WithLogger logs refusals and failures to l (ids and reasons, never text).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// WithRejectHook calls f with the reason (a Reject constant) of every
// refused request, for metrics.
func WithRejectHook(f func(reason string)) Option {
	return func(o *options) { o.reject = f }
}

// WithLimits sets the bounds: the largest posted body in bytes, the
// longest text in characters, the events kept per conversation, the event
// streams open per conversation and the conversations kept. Zero keeps a
// default.
func WithLimits(maxBody int64, maxText, maxBuffer, maxStreams, maxConversations int) Option {
	return func(o *options) {
		if maxBody > 0 {
			o.maxBody = maxBody
		}
		if maxText > 0 {
			o.maxText = maxText
		}
		if maxBuffer > 0 {
			o.maxBuffer = maxBuffer
		}
		if maxStreams > 0 {
			o.maxStreams = maxStreams
		}
		if maxConversations > 0 {
			o.maxConvs = maxConversations
		}
	}
}

// WithBufferBytes bounds the bytes of the events kept per conversation
// for resume (default 64 KiB), besides their number (WithLimits): the
// oldest go first, and the newest is always kept, however large. Zero
// keeps the default.
func WithBufferBytes(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxBufferBytes = n
		}
	}
}

// WithTimeouts sets how long an event stream stays open without an event
// (default 5 minutes; the browser then reconnects and resumes), how often
// it sends a heartbeat comment (default 25s, under common proxy
// timeouts), and the Receiver's bound for one message (default 10s).
func WithTimeouts(idle, heartbeat, receive time.Duration) Option {
	return func(o *options) {
		if idle > 0 {
			o.idle = idle
		}
		if heartbeat > 0 {
			o.beat = heartbeat
		}
		if receive > 0 {
			o.receiveTimeout = receive
		}
	}
}

// WithRate bounds the posts of one conversation: burst at once, then rate
// per second (default 20 and 1); beyond, a post gets 429.
func WithRate(burst int, rate float64) Option {
	return func(o *options) {
		if burst > 0 {
			o.burst = burst
		}
		if rate > 0 {
			o.rate = rate
		}
	}
}

// WithCapacity sets how many event streams may be open at once across
// conversations (default 2,000; always fewer than the conversations kept,
// so that one without a stream can be evicted). Beyond, a stream gets 503
// with Retry-After. Zero keeps the default.
func WithCapacity(maxOpenStreams int) Option {
	return func(o *options) {
		if maxOpenStreams > 0 {
			o.maxOpen = maxOpenStreams
		}
	}
}
