package llm

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock moved by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestCooldownAfter429: after a 429 that says when the limit resets, the
// calls before then make no request (each would be refused, and counts
// against the limit too): the fallback answers with "rate limited", in
// every analyser sharing the cool-down, summaries included. From the
// reset on the model is asked again.
func TestCooldownAfter429(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		wait   time.Duration
	}{
		{"Retry-After", map[string]string{"Retry-After": "30"}, 30 * time.Second},
		{"retry-after-ms", map[string]string{"Retry-After-Ms": "30000"}, 30 * time.Second},
		{"Retry-After date", map[string]string{"Retry-After": "Tue, 03 Mar 2026 10:30:30 GMT"}, 30 * time.Second},
		{"requests used up", map[string]string{"X-Ratelimit-Remaining-Requests": "0", "X-Ratelimit-Reset-Requests": "6m0s",
			"X-Ratelimit-Remaining-Tokens": "150000", "X-Ratelimit-Reset-Tokens": "1s"}, 6 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					for k, v := range tt.header {
						w.Header().Set(k, v)
					}
					writeError(w, http.StatusTooManyRequests, "Rate limit reached for requests", "rate_limit_exceeded")
					return
				}
				writeSignals(w, "refund", 0.9)
			})
			clock := &fakeClock{t: time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)}
			shared := NewCooldown()
			opts := []Option{WithFallback(unsureFallback()), WithRetries(0), WithClock(clock.now), WithCooldown(shared)}
			a := newTest(t, f, opts...)
			other := newTest(t, f, opts...) // another flow's analyser, or the summariser
			if got := analyze(t, a, "rimborso"); got.Fallback != "http 429" {
				t.Fatalf("first call: Fallback = %q, want http 429", got.Fallback)
			}
			for _, an := range []*Analyzer{a, other} {
				if got := analyze(t, an, "dov'è il mio ordine?"); got.Fallback != "rate limited" || got.Source != "builtin" {
					t.Errorf("during the cool-down: Fallback = %q (source %s), want rate limited from the fallback", got.Fallback, got.Source)
				}
			}
			if _, err := other.Summarize(context.Background(), summaryHandoff()); err == nil || !strings.Contains(err.Error(), "rate limited") {
				t.Errorf("Summarize during the cool-down: %v, want rate limited", err)
			}
			clock.add(tt.wait - time.Second)
			if got := analyze(t, other, "voglio un rimborso"); got.Fallback != "rate limited" {
				t.Errorf("a second before the reset: Fallback = %q, want rate limited", got.Fallback)
			}
			if n := f.hits.Load(); n != 1 {
				t.Errorf("%d requests during the cool-down, want only the first", n)
			}
			clock.add(time.Second)
			if got := analyze(t, other, "voglio un rimborso"); got.Fallback != "" || got.Source != SourceLLM {
				t.Errorf("at the reset: Fallback = %q (source %s), want the model's answer", got.Fallback, got.Source)
			}
		})
	}
}

// A 429 that does not say when to come back (or says "now"), or an
// account out of credit, starts no cool-down: the next message asks again.
func TestNoCooldownWithoutReset(t *testing.T) {
	for _, h := range []map[string]string{nil, {"Retry-After": "0"}, {"X-Ratelimit-Remaining-Requests": "5", "X-Ratelimit-Reset-Requests": "6m0s"}} {
		f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				for k, v := range h {
					w.Header().Set(k, v)
				}
				writeError(w, http.StatusTooManyRequests, "Rate limit reached", "rate_limit_exceeded")
				return
			}
			writeSignals(w, "refund", 0.9)
		})
		clock := &fakeClock{t: time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)}
		a := newTest(t, f, WithFallback(unsureFallback()), WithRetries(0), WithClock(clock.now))
		analyze(t, a, "rimborso")
		if got := analyze(t, a, "rimborso adesso"); got.Fallback != "" {
			t.Errorf("headers %v: the next call fell back with %q, want the model's answer", h, got.Fallback)
		}
	}
}
