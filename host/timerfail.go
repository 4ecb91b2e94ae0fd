package host

import (
	"context"
	"strconv"
	"time"

	"github.com/batonbot/baton/flows"
)

// A timer whose turn fails is tried again later, each time after twice
// the wait (timerBackoff, up to maxTimerBackoff): its due time is moved in
// the store, so that no process takes it meanwhile. After h.maxAttempts
// failures (counted in the store, whichever process had them) it is
// dropped, with an error logged.
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
	if stored, cerr := h.countTimerFail(ctx, t); cerr != nil {
		h.log.Warn("counting a timer's failures in the store failed; this process counts them alone", "conversation", conv,
			"timer", t.Key, "error", cerr)
	} else {
		n = max(n, stored)
	}
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
	if cerr := h.carryTimerFails(ctx, t, next, n); cerr != nil {
		h.log.Warn("carrying a timer's failures to its next due time in the store failed", "conversation", conv,
			"timer", t.Key, "error", cerr)
	}
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

// timerFailMemory is how long the store remembers a timer's failures:
// well past its next due time, so that a process that takes the timer
// then (another one, or this one restarted) goes on counting.
const timerFailMemory = 24 * time.Hour

// timerFailKey is the store's deduper key of the nth failure of
// conversation conv's timer key due at at.
func timerFailKey(conv, key string, at time.Time, n int) string {
	return "timer-failed:" + conv + "/" + key + "@" + strconv.FormatInt(at.UnixMilli(), 10) + "#" + strconv.Itoa(n)
}

// countTimerFail records a failure of t in the store's deduper and
// returns how many t has had, this one included (at most h.maxAttempts):
// each failure of the timer due at t.At takes the next of its keys, and
// moving it later carries the count to its new due time
// (carryTimerFails). The count is the store's, so every process on it
// and a restarted one see the same: kept in a process's memory alone, a
// timer taken by each process in turn, or by a process in a crash loop,
// failed for the first time every time, and was never dropped.
func (h *Host) countTimerFail(ctx context.Context, t flows.Timer) (int, error) {
	for n := 1; ; n++ {
		seen, err := h.store.Seen(ctx, timerFailKey(t.ConversationID, t.Key, t.At, n), timerFailMemory)
		if err != nil {
			return 0, err
		}
		if !seen || n >= h.maxAttempts {
			return n, nil
		}
	}
}

// carryTimerFails records t's n failures for the timer due at next.
func (h *Host) carryTimerFails(ctx context.Context, t flows.Timer, next time.Time, n int) error {
	for i := 1; i <= n; i++ {
		if _, err := h.store.Seen(ctx, timerFailKey(t.ConversationID, t.Key, next, i), timerFailMemory); err != nil {
			return err
		}
	}
	return nil
}
