package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// saveClaiming saves s with c and a flows.ReplyClaim leased until until,
// and returns the items the save leased.
func (h *h) saveClaiming(s *flows.Session, c flows.Commit, until time.Time) []flows.OutboxItem {
	h.t.Helper()
	c.Claim = &flows.ReplyClaim{Until: until}
	h.save(s, c)
	return c.Claim.Items
}

// newClaiming is newSession with a flows.ReplyClaim.
func (h *h) newClaiming(id string, c flows.Commit, until time.Time) []flows.OutboxItem {
	h.t.Helper()
	s := &flows.Session{ID: id, Flow: "f", State: "start", Lifecycle: flows.LifecycleBot, CreatedAt: h.now(), UpdatedAt: h.now()}
	return h.saveClaiming(s, c, until)
}

// A save with a ReplyClaim writes its replies leased to the caller: they
// come back from the save as a claim returns them, nobody claims them
// while the lease lasts, and they settle like claimed items. The
// conversation's other items and other conversations' replies stay
// claimable.
func testReplyClaim(t *testing.T, h *h) {
	now := h.now()
	h.newSession("b", flows.Commit{Outbox: []flows.OutboxItem{reply("b", 1)}})
	got := h.newClaiming("a", flows.Commit{Outbox: []flows.OutboxItem{open("h1"), reply("a", 1), reply("a", 2)}}, now.Add(time.Minute))
	h.wantIDs("the save's leased items", itemIDs(got), []string{"a:reply:1", "a:reply:2"})
	for _, it := range got {
		if it.Kind != flows.OutboxReply || it.ConversationID != "a" || it.Status != flows.OutboxPending || it.Attempts != 0 ||
			!it.CreatedAt.Equal(now) || it.Outbound == nil || it.Outbound.To.ID != "u-a" {
			t.Fatalf("a leased item as the save returned it: %+v", it)
		}
	}
	if got[1].Outbound.Reply.Text != "reply 2" {
		t.Fatalf("the second leased reply: %+v", got[1].Outbound)
	}
	h.wantIDs("the replies claimable meanwhile", itemIDs(h.claim(h.s.OutboxOf(flows.OutboxReply), now, 10)), []string{"b:reply:1"})
	h.wantIDs("the handoff items claimable meanwhile", itemIDs(h.claim(h.s.OutboxOf(flows.HandoffKinds...), now, 10)), []string{"h1:open"})
	h.wantIDs("within the lease", itemIDs(h.claim(h.s, now.Add(59*time.Second), 10)), nil)
	h.deliver(got[0])
	h.wantIDs("the second, still leased", itemIDs(h.claim(h.s, now.Add(59*time.Second), 10)), nil)
	h.deliver(got[1])
	h.wantIDs("delivered", itemIDs(h.list(flows.OutboxDelivered)), []string{"a:reply:1", "a:reply:2"})
	h.wantIDs("the delivered replies, after the lease", itemIDs(h.claim(h.s.OutboxOf(flows.OutboxReply), now.Add(2*time.Minute), 10)), []string{"b:reply:1"})

	// The next turn's replies are leased again (none is pending before
	// them), and a save without replies leases nothing.
	s := h.load("a")
	got = h.saveClaiming(s, flows.Commit{Outbox: []flows.OutboxItem{reply("a", 3)}}, now.Add(time.Minute))
	h.wantIDs("the next turn's", itemIDs(got), []string{"a:reply:3"})
	h.deliver(got[0])
	h.wantIDs("a save without replies", itemIDs(h.saveClaiming(s, flows.Commit{Outbox: []flows.OutboxItem{appendItem("h1", 1)}}, now.Add(time.Minute))), nil)
}

// A caller that dies before sending its leased replies loses none: they
// are claimed, in order, once the lease ends.
func testReplyClaimLeaseEnds(t *testing.T, h *h) {
	now := h.now()
	got := h.newClaiming("a", flows.Commit{Outbox: []flows.OutboxItem{reply("a", 1), reply("a", 2)}}, now.Add(time.Minute))
	h.wantIDs("the save's leased items", itemIDs(got), []string{"a:reply:1", "a:reply:2"})
	h.wantIDs("within the lease", itemIDs(h.claim(h.s, now.Add(30*time.Second), 10)), nil)
	again := h.claim(h.s.OutboxOf(flows.OutboxReply), now.Add(time.Minute), 10)
	h.wantIDs("once the lease ends", itemIDs(again), []string{"a:reply:1"})
	h.deliver(again[0])
	again = h.claim(h.s, now.Add(time.Minute), 10)
	h.wantIDs("then", itemIDs(again), []string{"a:reply:2"})
	h.deliver(again[0])
	h.wantIDs("delivered", itemIDs(h.list(flows.OutboxDelivered)), []string{"a:reply:1", "a:reply:2"})
}

// A caller whose first leased reply failed settles it for a retry and
// hands the others back: they wait behind it.
func testReplyClaimRelease(t *testing.T, h *h) {
	now := h.now()
	got := h.newClaiming("a", flows.Commit{Outbox: []flows.OutboxItem{reply("a", 1), reply("a", 2)}}, now.Add(time.Minute))
	h.wantIDs("the save's leased items", itemIDs(got), []string{"a:reply:1", "a:reply:2"})
	first := got[0]
	first.Attempts, first.NextAt, first.LastError = 1, now.Add(10*time.Second), "429"
	h.settle(first)
	h.settle(got[1]) // untouched: released
	h.wantIDs("before the retry", itemIDs(h.claim(h.s, now.Add(5*time.Second), 10)), nil)
	again := h.claim(h.s, now.Add(10*time.Second), 10)
	h.wantIDs("the retry", itemIDs(again), []string{"a:reply:1"})
	if again[0].Attempts != 1 || again[0].LastError != "429" {
		t.Fatalf("the retried reply: %+v", again[0])
	}
	h.deliver(again[0])
	h.wantIDs("the released reply", itemIDs(h.claim(h.s, now.Add(10*time.Second), 10)), []string{"a:reply:2"})
}

// A conversation's replies go out in order: a save whose conversation has
// an earlier reply pending, leased or waiting for a retry, leases nothing
// and writes its replies to be claimed after it.
func testReplyClaimWaits(t *testing.T, h *h) {
	now := h.now()
	s := h.newSession("a", flows.Commit{Outbox: []flows.OutboxItem{reply("a", 1)}})
	h.wantIDs("behind an unclaimed reply", itemIDs(h.saveClaiming(s, flows.Commit{Outbox: []flows.OutboxItem{reply("a", 2)}}, now.Add(time.Minute))), nil)
	got := h.claim(h.s, now, 10)
	h.wantIDs("the claim", itemIDs(got), []string{"a:reply:1"})
	h.wantIDs("behind a claimed reply", itemIDs(h.saveClaiming(s, flows.Commit{Outbox: []flows.OutboxItem{reply("a", 3)}}, now.Add(time.Minute))), nil)
	first := got[0]
	first.Attempts, first.NextAt, first.LastError = 1, now.Add(10*time.Second), "503"
	h.settle(first)
	h.wantIDs("behind a reply waiting for its retry", itemIDs(h.saveClaiming(s, flows.Commit{Outbox: []flows.OutboxItem{reply("a", 4)}}, now.Add(time.Minute))), nil)
	for n, want := range []string{"a:reply:1", "a:reply:2", "a:reply:3", "a:reply:4"} {
		got = h.claim(h.s, now.Add(10*time.Second), 10)
		h.wantIDs("claim "+want, itemIDs(got), []string{want})
		if n == 1 {
			got[0].Status, got[0].LastError = flows.OutboxDead, "131047"
			h.settle(got[0])
			continue
		}
		h.deliver(got[0])
	}
	// None pending (a dead one does not count): leased again.
	h.wantIDs("with none pending", itemIDs(h.saveClaiming(s, flows.Commit{Outbox: []flows.OutboxItem{reply("a", 5)}}, now.Add(time.Minute))), []string{"a:reply:5"})
}

// A save that fails leases nothing and returns no items.
func testReplyClaimConflict(t *testing.T, h *h) {
	now := h.now()
	s := h.newSession("a", flows.Commit{})
	stale := *s
	h.save(s, flows.Commit{})
	c := flows.Commit{Outbox: []flows.OutboxItem{reply("a", 1)}, Claim: &flows.ReplyClaim{Until: now.Add(time.Minute)}}
	if err := h.s.Save(h.ctx, &stale, c); err == nil {
		t.Fatal("a stale save succeeded")
	}
	if len(c.Claim.Items) != 0 {
		t.Fatalf("a failed save returned items: %q", itemIDs(c.Claim.Items))
	}
	h.wantIDs("after the failed save", itemIDs(h.list("")), nil)
	// The same items saved again are leased.
	h.wantIDs("the retried save", itemIDs(h.saveClaiming(s, flows.Commit{Outbox: []flows.OutboxItem{reply("a", 1)}}, now.Add(time.Minute))), []string{"a:reply:1"})
	h.wantIDs("within the lease", itemIDs(h.claim(h.s, now, 10)), nil)
}

// A worker whose lease ran out (a long pause, a clock behind the other
// workers') and whose item another worker claimed since cannot settle it:
// Settle fails with flows.ErrLeaseLost and writes nothing, so it neither
// overwrites the new holder's outcome (a ticket, a delivery) nor makes a
// delivered item pending again, to be delivered a second time. A holder
// settles its item as often as it needs to (an attempt written ahead, then
// its outcome), and items read with List settle as long as nobody claimed
// them since.
func testSettleAfterLeaseLost(t *testing.T, h *h) {
	h.newSession("c", flows.Commit{Outbox: []flows.OutboxItem{open("h1"), open("h2")}})
	now := h.now()
	a := h.claim(h.s, now, 1)
	h.wantIDs("worker A's claim", itemIDs(a), []string{"h1:open"})
	b := h.claim(h.s, now.Add(2*time.Minute), 1)
	h.wantIDs("worker B's claim, after A's lease", itemIDs(b), []string{"h1:open"})
	lost := func(what string, it flows.OutboxItem) {
		t.Helper()
		if err := h.s.Settle(h.ctx, it); !errors.Is(err, flows.ErrLeaseLost) {
			t.Fatalf("%s: Settle returned %v, want an error wrapping flows.ErrLeaseLost", what, err)
		}
	}
	// A's attempt fails late: its retry must not release B's lease.
	staleRetry := a[0]
	staleRetry.Attempts, staleRetry.LastError, staleRetry.NextAt = 1, "timeout", now.Add(2*time.Minute)
	lost("A settling for a retry while B holds the item", staleRetry)
	h.wantIDs("while B holds it", itemIDs(h.claim(h.s, now.Add(150*time.Second), 10)), []string{"h2:open"})
	// B writes its attempt ahead, then delivers.
	ahead := b[0]
	ahead.Attempts, ahead.NextAt = 1, now.Add(6*time.Minute)
	h.settle(ahead)
	h.deliver(ahead)
	// A comes back with a ticket of its own, or a failure.
	staleDone := a[0]
	staleDone.Status, staleDone.Attempts, staleDone.Ticket = flows.OutboxDelivered, 1, flows.TicketRef{Connector: "fake", ID: "T-A"}
	lost("A settling delivered after B did", staleDone)
	lost("A settling for a retry after B delivered", staleRetry)
	items := h.list("")
	if items[0].ID != "h1:open" || items[0].Status != flows.OutboxDelivered || items[0].Ticket.ID != "T-h1" {
		t.Fatalf("after A's settles were refused: %+v", items[0])
	}
	// An item listed settles (a dead letter requeued), unless claimed since.
	h2 := h.claim(h.s, now.Add(4*time.Minute), 1)
	h.wantIDs("h2", itemIDs(h2), []string{"h2:open"})
	dead := h2[0]
	dead.Status, dead.LastError = flows.OutboxDead, "400 Bad Request"
	h.settle(dead)
	listed := h.list(flows.OutboxDead)
	h.wantIDs("dead", itemIDs(listed), []string{"h2:open"})
	listed[0].Status, listed[0].LastError, listed[0].NextAt = flows.OutboxPending, "", now.Add(5*time.Minute)
	h.settle(listed[0])
	h.wantIDs("the requeued item", itemIDs(h.claim(h.s, now.Add(5*time.Minute), 10)), []string{"h2:open"})
	lost("an item listed before another worker claimed it", listed[0])

	// A reply a save leased to a worker that paused past the lease.
	leased := h.newClaiming("r", flows.Commit{Outbox: []flows.OutboxItem{reply("r", 1)}}, now.Add(time.Minute))
	h.wantIDs("the save's leased reply", itemIDs(leased), []string{"r:reply:1"})
	again := h.claim(h.s.OutboxOf(flows.OutboxReply), now.Add(2*time.Minute), 10)
	h.wantIDs("claimed again after the lease", itemIDs(again), []string{"r:reply:1"})
	sent := leased[0]
	sent.Status, sent.Attempts = flows.OutboxDelivered, 1
	lost("the first worker settling the reply", sent)
	h.deliver(again[0])
}
