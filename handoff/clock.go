package handoff

import (
	"context"
	"time"
)

// Clock is the time a connector or a Deliverer lives by: the current time,
// and timers for the deadline of each call. Tests give a fake one, so a
// helpdesk that answers in 16 seconds or a search index that lags two
// minutes is a test of a few milliseconds.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed; stop
	// cancels it and reports whether it did so before f was called.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// realClock is the system clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// nowClock is a clock whose time comes from a function (WithClock) and
// whose timers are real.
type nowClock struct{ now func() time.Time }

func (c nowClock) Now() time.Time { return c.now() }

func (nowClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// withDeadline is context.WithTimeout on clock c: the context is done
// with context.DeadlineExceeded as its cause once d has passed on c.
func withDeadline(ctx context.Context, c Clock, d time.Duration) (context.Context, context.CancelFunc) {
	if _, real := c.(realClock); real || d <= 0 {
		if d <= 0 {
			return context.WithCancel(ctx)
		}
		return context.WithTimeout(ctx, d)
	}
	cctx, cancel := context.WithCancelCause(ctx)
	stop := c.AfterFunc(d, func() { cancel(context.DeadlineExceeded) })
	return cctx, func() {
		stop()
		cancel(context.Canceled)
	}
}

// timedOut reports whether ctx ended because its deadline passed (on
// whichever clock set it), rather than being cancelled.
func timedOut(ctx context.Context) bool {
	return ctx.Err() != nil && (ctx.Err() == context.DeadlineExceeded || context.Cause(ctx) == context.DeadlineExceeded)
}

// Attempt describes the delivery attempt a connector call is part of; the
// Deliverer puts it in the call's context (AttemptFrom reads it).
type Attempt struct {
	// Number is 1 for the first attempt of an outbox item.
	Number int
	// Item is the outbox item's id.
	Item string
	// Conversation is the item's conversation id (channel:account:contact):
	// where a customer's media is fetched from.
	Conversation string
	// Before is what the outbox recorded of the attempt before this one
	// (the item's last error when this one began; empty for a first
	// attempt and for opens and closes retried by hand). That attempt may
	// have been another process's: a connector that keeps what it knows
	// per process reads there what that attempt did.
	Before string
}

// Retry reports whether an earlier attempt of the same item may have
// reached the helpdesk: it failed in a way that does not say whether its
// write took effect (a timeout, a 5xx, a crash while it was under way).
// Connectors then check before writing again.
func (a Attempt) Retry() bool { return a.Number > 1 }

type attemptKey struct{}

// WithAttempt returns ctx carrying a: what the Deliverer does for each call.
func WithAttempt(ctx context.Context, a Attempt) context.Context {
	return context.WithValue(ctx, attemptKey{}, a)
}

// AttemptFrom returns the attempt ctx carries, if any.
func AttemptFrom(ctx context.Context) (Attempt, bool) {
	a, ok := ctx.Value(attemptKey{}).(Attempt)
	return a, ok
}
