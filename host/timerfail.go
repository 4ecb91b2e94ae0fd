package host

import (
	"context"
	"time"

	"github.com/batonbot/baton/flows"
)

// A timer whose turn fails is tried again later, each time after twice
// the wait (timerBackoff, up to maxTimerBackoff): its due time is moved in
// the store, so that no process takes it meanwhile. After h.maxAttempts
// failures it is dropped, with an error logged.
const (
	timerBackoff    = 10 * time.Second
	maxTimerBackoff = 10 * time.Minute
	// maxTimerFails bounds the failures remembered; past it, those of
	// timers nobody failed for a while (handled by another process) go.
	maxTimerFails = 4096
)

// timerFail is what this process remembers of a failing timer: its due
// time in the store (a timer due at another time is a new one), the
// failures so far and, when moving it in the store failed, when it may
// be tried again.
type timerFail struct {
	at        time.Time
	attempts  int
	notBefore time.Time
}

func timerID(t flows.Timer) string { return t.ConversationID + "\x00" + t.Key }

// backingOff reports whether t failed and waits for its next try (its
// due time could not be moved in the store).
func (h *Host) backingOff(t flows.Timer, now time.Time) bool {
	h.timerMu.Lock()
	defer h.timerMu.Unlock()
	f, ok := h.timerFails[timerID(t)]
	return ok && f.at.Equal(t.At) && now.Before(f.notBefore)
}

// timerDone forgets t's failures: its turn ran.
func (h *Host) timerDone(t flows.Timer) {
	h.timerMu.Lock()
	defer h.timerMu.Unlock()
	if len(h.timerFails) > 0 {
		delete(h.timerFails, timerID(t))
	}
}

// timerFailed moves a timer whose turn failed with err later, or drops it
// after h.maxAttempts failures.
func (h *Host) timerFailed(ctx context.Context, t flows.Timer, err error) {
	now := h.now()
	id := timerID(t)
	h.timerMu.Lock()
	n := 1
	if f, ok := h.timerFails[id]; ok && f.at.Equal(t.At) {
		n = f.attempts + 1
	}
	h.timerMu.Unlock()
	conv := t.ConversationID
	if n >= h.maxAttempts {
		h.log.Error("a timer's turn failed every attempt; the timer is dropped", "conversation", conv, "timer", t.Key,
			"attempts", n, "error", err)
		derr := h.commit(ctx, t.ConversationID, func(*flows.Session) flows.Commit {
			return flows.Commit{Timers: []flows.Timer{{Key: t.Key, ConversationID: t.ConversationID}}}
		})
		h.timerMu.Lock()
		defer h.timerMu.Unlock()
		if derr == nil {
			delete(h.timerFails, id)
			return
		}
		h.log.Error("dropping the timer failed; this process leaves it alone", "conversation", conv, "timer", t.Key, "error", derr)
		h.rememberTimerFail(id, timerFail{at: t.At, attempts: n, notBefore: now.Add(maxTimerBackoff)}, now)
		return
	}
	next := now.Add(min(timerBackoff<<(n-1), maxTimerBackoff))
	merr := h.commit(ctx, t.ConversationID, func(*flows.Session) flows.Commit {
		return flows.Commit{Timers: []flows.Timer{{Key: t.Key, ConversationID: t.ConversationID, At: next}}}
	})
	f := timerFail{at: next, attempts: n, notBefore: next}
	if merr != nil {
		f.at = t.At // still due: this process waits
		h.log.Error("moving a failed timer later failed", "conversation", conv, "timer", t.Key, "error", merr)
	}
	h.log.Warn("a timer's turn failed; it fires again later", "conversation", conv, "timer", t.Key, "attempt", n,
		"next", next, "error", err)
	h.timerMu.Lock()
	defer h.timerMu.Unlock()
	h.rememberTimerFail(id, f, now)
}

// rememberTimerFail records f under id; h.timerMu is held.
func (h *Host) rememberTimerFail(id string, f timerFail, now time.Time) {
	if h.timerFails == nil {
		h.timerFails = map[string]timerFail{}
	}
	if _, ok := h.timerFails[id]; !ok && len(h.timerFails) >= maxTimerFails {
		for k, old := range h.timerFails {
			if now.Sub(old.notBefore) > 2*maxTimerBackoff {
				delete(h.timerFails, k)
			}
		}
		if len(h.timerFails) >= maxTimerFails {
			return // the store's due time still holds the timer back
		}
	}
	h.timerFails[id] = f
}
