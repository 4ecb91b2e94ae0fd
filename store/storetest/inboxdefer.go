package storetest

import (
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// testInboxDefer: a claimed entry deferred (flows.InboxDeferrer) is
// claimed again from the time given, sooner or later than its lease,
// with its attempt taken back and the conversation's next entry still
// waiting behind it; a stale deferral (the entry claimed again since, or
// consumed, or unknown) changes nothing and is not an error.
func testInboxDefer(t *testing.T, h *h) {
	d, ok := h.s.Inbox().(flows.InboxDeferrer)
	if !ok {
		t.Fatalf("the store's inbox (%T) is not a flows.InboxDeferrer", h.s.Inbox())
	}
	deferTo := func(e flows.InboxEntry, until time.Time) {
		t.Helper()
		if err := d.Defer(h.ctx, e, until); err != nil {
			t.Fatalf("Defer %s (attempt %d) to %s: %v", e.ID, e.Attempts, until, err)
		}
	}
	claimOne := func(what string, at time.Time, attempts int) flows.InboxEntry {
		t.Helper()
		got := h.claimInbox(at, 10)
		h.wantIDs(what, entryIDs(got), []string{"m1"})
		if got[0].Attempts != attempts {
			t.Fatalf("%s: attempts %d, want %d", what, got[0].Attempts, attempts)
		}
		return got[0]
	}
	now := h.now()
	h.accept(inbound("m1", "c", "one", now))
	h.clock.Add(time.Second)
	h.accept(inbound("m2", "c", "two", now))
	now = h.now()

	first := claimOne("the first claim", now, 1)
	deferTo(first, now.Add(5*time.Second))
	h.wantIDs("before the deferral ends (m2 waits behind m1)", entryIDs(h.claimInbox(now.Add(4*time.Second), 10)), nil)
	second := claimOne("when the deferral ends, attempt taken back", now.Add(5*time.Second), 1)

	// Deferred past the lease: nobody takes it before then.
	deferTo(second, now.Add(3*time.Minute))
	h.wantIDs("past the lease, before the deferral ends", entryIDs(h.claimInbox(now.Add(2*time.Minute), 10)), nil)
	third := claimOne("when the longer deferral ends", now.Add(3*time.Minute), 1)

	// The lease ran out and another claim took it: the first claimant's
	// deferral does not shorten the second's lease.
	fourth := claimOne("after the lease ran out", now.Add(5*time.Minute), 2)
	deferTo(third, now.Add(5*time.Minute))
	h.wantIDs("a stale deferral changed nothing", entryIDs(h.claimInbox(now.Add(5*time.Minute+30*time.Second), 10)), nil)

	// Consumed: deferring it is not an error, and m2 is next.
	h.newSession("c", flows.Commit{Done: []string{"m1"}})
	deferTo(fourth, now.Add(time.Hour))
	got := h.claimInbox(now.Add(7*time.Minute), 10)
	h.wantIDs("after m1 is done", entryIDs(got), []string{"m2"})
	deferTo(flows.InboxEntry{ID: "unknown", Inbound: flows.Inbound{ID: "unknown", ConversationID: "c"}, Attempts: 1}, now.Add(time.Hour))
}
