package handoff

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// TestZendeskRetryAfterTheProcessDied: as in `baton serve` (the
// processes' deduper and durable inbox in one store, HandlerAcceptDedupe),
// a process took a signed Zendesk request (a ticket solved) and died before it answered (kill -9 while the
// status waited for the agent's reply): it marked nothing failed. Zendesk
// sends the same signed request again, to another process on the same
// store. That is no replay: while the first may still be under way the
// retry is answered 503 (Zendesk retries it), and once it cannot be any
// more the retry is delivered, once; the same request after that is a
// replay.
func TestZendeskRetryAfterTheProcessDied(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 3, 14, 9, 31, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	shared := newMemDeduper(clock) // the store both processes share
	body := `{"event":"status","ticket_id":"7","conversation_id":"wa:2","status":"Solved","author":"Anna"}`
	req := func() *http.Request {
		r := zendeskRequest("POST", body, true)
		r.Header.Set("X-Zendesk-Webhook-Invocation-Id", "inv-7")
		return r
	}

	// The first process: its Deliver never returns, as a process killed
	// during it never answers.
	started, dead := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(dead) })
	first, err := NewZendeskHandler(zendeskTestSecret, func(context.Context, string, flows.Input) error {
		close(started)
		<-dead
		return context.Canceled
	}, HandlerClock(clock), HandlerDeduper(shared, 0), HandlerAcceptDedupe(0), HandlerStatusHold(-1))
	if err != nil {
		t.Fatal(err)
	}
	go first.ServeHTTP(httptest.NewRecorder(), req())
	<-started

	in := &inbox{now: now, seen: map[string]time.Time{}}
	second, err := NewZendeskHandler(zendeskTestSecret, in.deliver, HandlerClock(clock), HandlerDeduper(shared, 0), HandlerAcceptDedupe(0), HandlerStatusHold(-1))
	if err != nil {
		t.Fatal(err)
	}
	post := func() int {
		w := httptest.NewRecorder()
		second.ServeHTTP(w, req())
		return w.Code
	}
	if got := post(); got != http.StatusServiceUnavailable {
		t.Errorf("the retry while the first process may still be under way answered %d, want 503 (retried)", got)
	}
	mu.Lock()
	now = now.Add(time.Minute) // the first process is gone for good
	mu.Unlock()
	if got := post(); got != http.StatusNoContent {
		t.Errorf("the retry after the first process died answered %d, want 204", got)
	}
	if got := post(); got != http.StatusOK {
		t.Errorf("the same request once delivered answered %d, want 200 (a replay)", got)
	}
	if len(in.accepted) != 1 {
		t.Errorf("accepted %q, want the solve once", in.accepted)
	}
}
