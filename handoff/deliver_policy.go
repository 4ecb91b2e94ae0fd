package handoff

import (
	"context"
	"errors"
	"math"
	"reflect"
	"time"
)

// Backoff is the retry policy: the n-th retry waits Initial·Multiplierⁿ⁻¹,
// capped at Max, then spread by ±Jitter (a fraction, 0.2 = ±20%) so
// workers that failed together do not retry together. A helpdesk's
// Retry-After replaces the computed delay.
type Backoff struct {
	Initial    time.Duration
	Max        time.Duration
	Multiplier float64
	Jitter     float64
}

// DefaultBackoff is 5s, 10s, 20s... up to 10m, ±20%.
func DefaultBackoff() Backoff {
	return Backoff{Initial: 5 * time.Second, Max: 10 * time.Minute, Multiplier: 2, Jitter: 0.2}
}

func (b Backoff) withDefaults() Backoff {
	def := DefaultBackoff()
	if b.Initial <= 0 {
		b.Initial = def.Initial
	}
	if b.Max <= 0 {
		b.Max = max(def.Max, b.Initial)
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Multiplier < 1 || math.IsNaN(b.Multiplier) || math.IsInf(b.Multiplier, 0) {
		b.Multiplier = def.Multiplier
	}
	if b.Jitter < 0 || math.IsNaN(b.Jitter) {
		b.Jitter = 0
	}
	if b.Jitter > 1 {
		b.Jitter = 1
	}
	return b
}

// Delay is the wait before retry number attempt (1 after the first
// failure), with r in [0, 1) choosing the point in the jitter band:
// r = 0.5 gives the band's centre.
//
// The arithmetic is written out rather than taken from
// github.com/cenkalti/backoff: its ExponentialBackOff keeps the current
// interval as mutable state and draws from the global random source,
// while the delivery state lives in the outbox (Attempts) and tests need
// an injected source.
func (b Backoff) Delay(attempt int, r float64) time.Duration {
	b = b.withDefaults()
	if attempt < 1 {
		attempt = 1
	}
	base := float64(b.Initial) * math.Pow(b.Multiplier, float64(attempt-1))
	if base > float64(b.Max) || math.IsInf(base, 0) || math.IsNaN(base) {
		base = float64(b.Max)
	}
	if r < 0 || r >= 1 || math.IsNaN(r) {
		r = 0.5
	}
	d := base * (1 + b.Jitter*(2*r-1))
	if d < 1 {
		d = 1
	}
	return time.Duration(d)
}

// dlClass is what the worker makes of a failed attempt.
type dlClass struct {
	permanent  bool
	retryAfter time.Duration
	reason     string
}

// dlPermanent marks an error no retry can fix.
type dlPermanent struct{ err error }

func (e *dlPermanent) Error() string   { return e.err.Error() }
func (e *dlPermanent) Unwrap() error   { return e.err }
func (e *dlPermanent) Temporary() bool { return false }

var durationType = reflect.TypeOf(time.Duration(0))

// classify reads a connector error. Connectors say what they know through
// their error type: the package's Error (Retryable, RetryAfter fields), or
// any error in the chain with a `Temporary() bool` or `RetryAfter()
// time.Duration` method. Timeouts and errors nobody classified are
// retried: an unknown failure is assumed transient, and the max age bounds
// the retries.
func classify(err error) dlClass {
	c := dlClass{reason: err.Error()}
	temporary, known := true, false
	dlWalk(err, func(e error) bool {
		if t, ok := e.(interface{ Temporary() bool }); ok && !known {
			temporary, known = t.Temporary(), true
		}
		if ra, ok := e.(interface{ RetryAfter() time.Duration }); ok && c.retryAfter == 0 {
			c.retryAfter = ra.RetryAfter()
		}
		if !known {
			if retryable, after, ok := dlFields(e); ok {
				temporary, known = retryable, true
				if c.retryAfter == 0 {
					c.retryAfter = after
				}
			}
		}
		return known && c.retryAfter != 0
	})
	if !known && errors.Is(err, context.DeadlineExceeded) {
		temporary = true
	}
	c.permanent = !temporary
	if c.retryAfter < 0 {
		c.retryAfter = 0
	}
	return c
}

// dlFields reads a struct error's exported Retryable bool and RetryAfter
// time.Duration fields (the shape of this package's Error), so the worker
// follows it without a compile-time tie to it.
func dlFields(e error) (retryable bool, after time.Duration, ok bool) {
	v := reflect.ValueOf(e)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return false, 0, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return false, 0, false
	}
	f := v.FieldByName("Retryable")
	if !f.IsValid() || f.Kind() != reflect.Bool || !f.CanInterface() {
		return false, 0, false
	}
	retryable = f.Bool()
	if ra := v.FieldByName("RetryAfter"); ra.IsValid() && ra.Type() == durationType {
		after = time.Duration(ra.Int())
	}
	return retryable, after, true
}

// dlWalk calls f on err and every error it wraps (depth first, both
// Unwrap forms) until f returns true.
func dlWalk(err error, f func(error) bool) {
	var walk func(error, int) bool
	walk = func(e error, depth int) bool {
		if e == nil || depth > 32 {
			return false
		}
		if f(e) {
			return true
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			return walk(u.Unwrap(), depth+1)
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				if walk(x, depth+1) {
					return true
				}
			}
		}
		return false
	}
	walk(err, 0)
}
