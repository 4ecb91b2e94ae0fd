package llm

import (
	"sync"
	"time"
)

// Cooldown is the time until which a rate limit the server reported
// stands: after a 429 that says when the limit resets (Retry-After,
// retry-after-ms, or the x-ratelimit-reset-* of a used-up limit), the
// calls before then send nothing, since each would be refused too (and
// still count against the limit), and the fallback answers at once with
// Signals.Fallback "rate limited". Share one, with WithCooldown, among
// the analysers of one endpoint, key and model: a process's flows and its
// summaries. It is safe for concurrent use.
type Cooldown struct {
	mu    sync.Mutex
	until time.Time
}

// NewCooldown returns a cool-down that holds nothing yet.
func NewCooldown() *Cooldown { return &Cooldown{} }

// hold keeps the calls before t from sending; an earlier t than the one
// held changes nothing.
func (c *Cooldown) hold(t time.Time) {
	c.mu.Lock()
	if t.After(c.until) {
		c.until = t
	}
	c.mu.Unlock()
}

// holds reports whether a call at now must not send.
func (c *Cooldown) holds(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return now.Before(c.until)
}

// reasonRateLimited is Signals.Fallback for a call the cool-down kept
// from sending.
const reasonRateLimited = "rate limited"
