package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

func testCommitOutbox(t *testing.T, h *h) {
	at := h.now().Add(-time.Hour)
	o := open("h1")
	o.CreatedAt, o.NextAt = at, at
	s := h.newSession("c", flows.Commit{Outbox: []flows.OutboxItem{o, appendItem("h1", 1)}})
	items := h.list("")
	h.wantIDs("after the save", itemIDs(items), []string{"h1:open", "h1:append:1"})
	if got := items[0]; got.ConversationID != "c" || got.Status != flows.OutboxPending || !got.CreatedAt.Equal(at) || got.Handoff == nil || got.Handoff.ID != "h1" {
		t.Errorf("the open came back as %+v", got)
	}
	if got := items[1]; !got.CreatedAt.Equal(h.now()) || !got.NextAt.Equal(h.now()) || got.Message == nil || got.Message.Text != "message 1" {
		t.Errorf("an item saved without times gets the store's clock: %+v", got)
	}
	// A retried save of the same items writes them once.
	h.save(s, flows.Commit{Outbox: []flows.OutboxItem{o, appendItem("h1", 1), appendItem("h1", 2)}})
	h.wantIDs("after a save repeating items", itemIDs(h.list("")), []string{"h1:open", "h1:append:1", "h1:append:2"})
	if got := h.list(flows.OutboxDelivered); len(got) != 0 {
		t.Errorf("List delivered: %q", itemIDs(got))
	}
	// Items returned are copies.
	items = h.list("")
	items[0].Handoff.Reason = "changed"
	if h.list("")[0].Handoff.Reason != "test" {
		t.Error("List returns the stored items themselves")
	}
}

// testOutboxListUnknownStatus: List with a status that is none of
// pending, delivered and dead returns no item (not every item, not the
// pending ones), on the whole outbox and on a view of some kinds.
func testOutboxListUnknownStatus(t *testing.T, h *h) {
	h.newSession("c", flows.Commit{Outbox: []flows.OutboxItem{open("h1"), appendItem("h1", 1)}})
	it := h.claim(h.s, h.now(), 1)[0]
	it.Status = flows.OutboxDelivered
	h.settle(it)
	for _, st := range []flows.OutboxStatus{"bogus", "Pending", "delivered "} {
		if got := h.list(st); len(got) != 0 {
			t.Errorf("List(%q) = %q, want no item", st, itemIDs(got))
		}
		got, err := h.s.OutboxOf(flows.HandoffKinds...).List(h.ctx, st)
		if err != nil {
			t.Fatalf("OutboxOf(handoff kinds).List(%q): %v", st, err)
		}
		if len(got) != 0 {
			t.Errorf("OutboxOf(handoff kinds).List(%q) = %q, want no item", st, itemIDs(got))
		}
	}
	if got := h.list(""); len(got) != 2 {
		t.Errorf("List(\"\") = %q, want both items", itemIDs(got))
	}
}

// testSettleUnknownStatus: Settle refuses a status that is none of the
// outbox's, writing nothing: the item stays pending and leased to its
// holder, who can still settle it.
func testSettleUnknownStatus(t *testing.T, h *h) {
	h.newSession("c", flows.Commit{Outbox: []flows.OutboxItem{open("h1"), reply("c", 1)}})
	now := h.now()
	for _, it := range h.claim(h.s, now, 10) {
		for _, st := range []flows.OutboxStatus{"bogus", "Delivered", "dead "} {
			bad := it
			bad.Status, bad.Attempts, bad.LastError = st, 3, "oops"
			if err := h.s.Settle(h.ctx, bad); err == nil || !strings.Contains(err.Error(), string(st)) {
				t.Errorf("settling %s with status %q: %v, want an error naming it", it.ID, st, err)
			}
		}
		h.wantIDs("claimed within the lease", itemIDs(h.claim(h.s, now.Add(30*time.Second), 10)), nil)
		pending := h.list(flows.OutboxPending)
		if i := slices.IndexFunc(pending, func(p flows.OutboxItem) bool { return p.ID == it.ID }); i < 0 || pending[i].Attempts != 0 || pending[i].LastError != "" {
			t.Errorf("after the refused settles, the pending items are %+v, want %s unchanged", pending, it.ID)
		}
		it.Status = flows.OutboxDelivered
		h.settle(it)
	}
	if got := h.list(flows.OutboxDelivered); len(got) != 2 {
		t.Errorf("delivered: %q, want both items", itemIDs(got))
	}
	if got := h.list(""); len(got) != 2 {
		t.Errorf("every item: %q, want the two", itemIDs(got))
	}
}

// testPendingStats: a store's PendingStats (flows.OutboxStats) gives per
// kind what List(pending) gives, as items are saved, leased, delivered,
// die with their open and come back with it.
func testPendingStats(t *testing.T, h *h) {
	os, ok := h.s.(flows.OutboxStats)
	if !ok {
		t.Fatal("the store does not implement flows.OutboxStats")
	}
	check := func(what string) {
		t.Helper()
		want := map[flows.OutboxKind]flows.PendingStat{}
		for _, it := range h.list(flows.OutboxPending) {
			st, ok := want[it.Kind]
			if !ok || it.CreatedAt.Before(st.Oldest) {
				st.Oldest = it.CreatedAt
			}
			st.Count++
			want[it.Kind] = st
		}
		got, err := os.PendingStats(h.ctx)
		if err != nil {
			t.Fatalf("%s: PendingStats: %v", what, err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: PendingStats %v, want %v", what, got, want)
		}
		for k, w := range want {
			if g := got[k]; g.Count != w.Count || !g.Oldest.Equal(w.Oldest) {
				t.Errorf("%s: PendingStats[%s] = %+v, want %+v", what, k, g, w)
			}
		}
	}
	check("empty")
	h.newSession("c", flows.Commit{Outbox: []flows.OutboxItem{open("h1"), reply("c", 1)}})
	h.clock.Add(time.Minute)
	s := h.newSession("d", flows.Commit{Outbox: []flows.OutboxItem{open("h2"), appendItem("h2", 1), reply("d", 1)}})
	h.clock.Add(time.Minute)
	h.save(s, flows.Commit{Outbox: []flows.OutboxItem{appendItem("h2", 2), closeItem("h2")}})
	check("saved")
	items := h.claim(h.s, h.now(), 10)
	check("leased")
	for _, it := range items {
		switch it.ID {
		case reply("c", 1).ID:
			it.Status = flows.OutboxDelivered
			h.settle(it)
		case "h2:open":
			it.Status, it.LastError = flows.OutboxDead, "401"
			h.settle(it)
		}
	}
	check("a reply delivered, an open dead with its appends and close")
	if dead := h.list(flows.OutboxDead); len(dead) != 4 {
		t.Fatalf("dead: %q, want h2's four items", itemIDs(dead))
	}
	for _, it := range h.list(flows.OutboxDead) {
		if it.ID == "h2:open" {
			it.Status, it.NextAt = flows.OutboxPending, h.now()
			h.settle(it)
		}
	}
	check("the open retried with its items")
}

func testOutboxLease(t *testing.T, h *h) {
	h.newSession("c", flows.Commit{Outbox: []flows.OutboxItem{open("h1"), open("h2"), open("h3")}})
	now := h.now()
	got := h.claim(h.s, now, 2)
	h.wantIDs("first claim", itemIDs(got), []string{"h1:open", "h2:open"})
	h.wantIDs("within the lease", itemIDs(h.claim(h.s, now.Add(30*time.Second), 10)), []string{"h3:open"})
	h.wantIDs("still within the lease", itemIDs(h.claim(h.s, now.Add(50*time.Second), 10)), nil)
	h.wantIDs("after the first lease", itemIDs(h.claim(h.s, now.Add(61*time.Second), 10)), []string{"h1:open", "h2:open"})
	if got := h.claim(h.s, now, 0); len(got) != 0 {
		t.Errorf("claiming 0 items returned %d", len(got))
	}
}

func testOutboxRetry(t *testing.T, h *h) {
	h.newSession("c", flows.Commit{Outbox: []flows.OutboxItem{open("h1")}})
	now := h.now()
	it := h.claim(h.s, now, 10)[0]
	it.Attempts, it.LastError, it.NextAt = 1, "503 Service Unavailable", now.Add(10*time.Minute)
	h.settle(it)
	h.wantIDs("before the retry is due", itemIDs(h.claim(h.s, now.Add(5*time.Minute), 10)), nil)
	got := h.claim(h.s, now.Add(10*time.Minute), 10)
	if len(got) != 1 || got[0].Attempts != 1 || got[0].LastError != "503 Service Unavailable" {
		t.Fatalf("the retry: %+v", got)
	}
	it = got[0]
	it.Status, it.Attempts, it.LastError = flows.OutboxDead, 2, "400 Bad Request"
	h.settle(it)
	dead := h.list(flows.OutboxDead)
	if len(dead) != 1 || dead[0].LastError != "400 Bad Request" || dead[0].Attempts != 2 {
		t.Fatalf("dead letters: %+v", dead)
	}
	h.wantIDs("a dead item", itemIDs(h.claim(h.s, now.Add(time.Hour), 10)), nil)
	// A dead letter can be retried: settled pending again, due now.
	it.Status, it.Attempts, it.LastError, it.NextAt = flows.OutboxPending, 0, "", now.Add(time.Hour)
	h.settle(it)
	h.wantIDs("the requeued item", itemIDs(h.claim(h.s, now.Add(time.Hour), 10)), []string{"h1:open"})
	if err := h.s.Settle(h.ctx, flows.OutboxItem{ID: "nope", Status: flows.OutboxDelivered}); err == nil {
		t.Error("settling an unknown item must fail")
	}
}

func testHandoffOrder(t *testing.T, h *h) {
	h.newSession("c", flows.Commit{Outbox: []flows.OutboxItem{open("h1"), appendItem("h1", 1), appendItem("h1", 2), closeItem("h1")}})
	now := h.now()
	got := h.claim(h.s, now, 10)
	h.wantIDs("before the open is delivered", itemIDs(got), []string{"h1:open"})
	h.deliver(got[0])
	got = h.claim(h.s, now, 10)
	h.wantIDs("after the open", itemIDs(got), []string{"h1:append:1"})
	if got[0].Ticket.ID != "T-h1" {
		t.Fatalf("an append carries its open's ticket: %+v", got[0].Ticket)
	}
	// A failed append holds the later ones back until it is delivered.
	a1 := got[0]
	a1.Attempts, a1.NextAt, a1.LastError = 1, now.Add(time.Minute), "timeout"
	h.settle(a1)
	retried := h.claim(h.s, now.Add(2*time.Minute), 10)
	h.wantIDs("while append 1 waits for its retry", itemIDs(retried), []string{"h1:append:1"})
	h.deliver(retried[0])
	got = h.claim(h.s, now.Add(3*time.Minute), 10)
	h.wantIDs("then", itemIDs(got), []string{"h1:append:2"})
	// A dead append does not hold the close back.
	got[0].Status, got[0].LastError = flows.OutboxDead, "422"
	h.settle(got[0])
	got = h.claim(h.s, now.Add(4*time.Minute), 10)
	h.wantIDs("after a dead append", itemIDs(got), []string{"h1:close"})
	if got[0].Ticket.ID != "T-h1" {
		t.Fatalf("a close carries its open's ticket: %+v", got[0].Ticket)
	}
	h.deliver(got[0])
	// Another handoff's items are independent.
	s := h.load("c")
	h.save(s, flows.Commit{Outbox: []flows.OutboxItem{open("h2"), appendItem("h2", 1), open("h3")}})
	h.wantIDs("items of two more handoffs", itemIDs(h.claim(h.s, now.Add(5*time.Minute), 10)), []string{"h2:open", "h3:open"})
}

func testReplyOrder(t *testing.T, h *h) {
	h.newSession("a", flows.Commit{Outbox: []flows.OutboxItem{reply("a", 1), reply("a", 2), reply("a", 3)}})
	h.newSession("b", flows.Commit{Outbox: []flows.OutboxItem{reply("b", 1)}})
	now := h.now()
	got := h.claim(h.s, now, 10)
	h.wantIDs("one reply per conversation", itemIDs(got), []string{"a:reply:1", "b:reply:1"})
	if o := got[0].Outbound; o == nil || o.Reply.Text != "reply 1" || o.To.ID != "u-a" {
		t.Fatalf("the reply's outbound: %+v", o)
	}
	h.wantIDs("while the first replies are leased", itemIDs(h.claim(h.s, now, 10)), nil)
	h.deliver(got[1])
	a1 := got[0]
	a1.Attempts, a1.NextAt, a1.LastError = 1, now.Add(time.Minute), "429"
	h.settle(a1)
	h.wantIDs("a reply waiting for a retry holds the next back", itemIDs(h.claim(h.s, now.Add(30*time.Second), 10)), nil)
	got = h.claim(h.s, now.Add(time.Minute), 10)
	h.wantIDs("the retry", itemIDs(got), []string{"a:reply:1"})
	got[0].Status, got[0].LastError = flows.OutboxDead, "131047 outside the window"
	h.settle(got[0])
	got = h.claim(h.s, now.Add(time.Minute), 10)
	h.wantIDs("a dead reply does not hold the next back", itemIDs(got), []string{"a:reply:2"})
	h.deliver(got[0])
	h.wantIDs("then", itemIDs(h.claim(h.s, now.Add(time.Minute), 10)), []string{"a:reply:3"})
}

func testDeadOpenCascade(t *testing.T, h *h) {
	h.newSession("c", flows.Commit{Outbox: []flows.OutboxItem{open("h1"), appendItem("h1", 1), appendItem("h1", 2), closeItem("h1"), open("h2"), appendItem("h2", 1)}})
	now := h.now()
	got := h.claim(h.s, now, 10)
	h.wantIDs("the opens", itemIDs(got), []string{"h1:open", "h2:open"})
	o := got[0]
	o.Status, o.Attempts, o.LastError = flows.OutboxDead, 3, "401 Unauthorized"
	h.settle(o)
	h.wantIDs("dead with their open", itemIDs(h.list(flows.OutboxDead)), []string{"h1:open", "h1:append:1", "h1:append:2", "h1:close"})
	for _, it := range h.list(flows.OutboxDead)[1:] {
		if want := flows.DeadOpenError(&o); it.LastError != want {
			t.Errorf("%s died with its open but says %q, want %q", it.ID, it.LastError, want)
		}
	}
	h.wantIDs("the other handoff's items stay", itemIDs(h.list(flows.OutboxPending)), []string{"h2:open", "h2:append:1"})
	// A retry of the open revives them together.
	o.Status, o.Attempts, o.LastError, o.NextAt = flows.OutboxPending, 0, "", now.Add(time.Hour)
	h.settle(o)
	h.wantIDs("after the retry", itemIDs(h.list(flows.OutboxDead)), nil)
	pending := h.list(flows.OutboxPending)
	h.wantIDs("pending again", itemIDs(pending), []string{"h1:open", "h1:append:1", "h1:append:2", "h1:close", "h2:open", "h2:append:1"})
	for _, it := range pending[:4] {
		if it.LastError != "" || it.Attempts != 0 {
			t.Errorf("%s revived with attempts %d, error %q", it.ID, it.Attempts, it.LastError)
		}
	}
	got = h.claim(h.s, now.Add(time.Hour), 10)
	h.wantIDs("claimable again", itemIDs(got), []string{"h1:open", "h2:open"})
	h.deliver(got[0])
	h.wantIDs("then its appends", itemIDs(h.claim(h.s, now.Add(time.Hour), 10)), []string{"h1:append:1"})
}

func testOutboxOf(t *testing.T, h *h) {
	h.newSession("c", flows.Commit{Outbox: []flows.OutboxItem{reply("c", 1), open("h1"), reply("c", 2)}})
	now := h.now()
	handoffs, replies := h.s.OutboxOf(flows.HandoffKinds...), h.s.OutboxOf(flows.OutboxReply)
	h.wantIDs("handoff kinds", itemIDs(h.claim(handoffs, now, 10)), []string{"h1:open"})
	got := h.claim(replies, now, 10)
	h.wantIDs("replies", itemIDs(got), []string{"c:reply:1"})
	if err := replies.Settle(h.ctx, got[0]); err != nil {
		t.Fatal(err)
	}
	items, err := replies.List(h.ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	h.wantIDs("List of replies", itemIDs(items), []string{"c:reply:1", "c:reply:2"})
	items, _ = handoffs.List(h.ctx, flows.OutboxPending)
	h.wantIDs("List of pending handoff items", itemIDs(items), []string{"h1:open"})
	h.wantIDs("every kind", itemIDs(h.claim(h.s.OutboxOf(), now.Add(2*time.Minute), 10)), []string{"c:reply:1", "h1:open"})
}

func testDeliveredRetention(t *testing.T, h *h) {
	var items []flows.OutboxItem
	for _, hid := range []string{"h1", "h2", "h3", "h4", "h5", "h6"} {
		items = append(items, open(hid))
	}
	h.newSession("c", flows.Commit{Outbox: items})
	now := h.now()
	got := h.claim(h.s, now, 10)
	for _, it := range got[:5] {
		h.deliver(it)
	}
	delivered := h.list(flows.OutboxDelivered)
	if len(delivered) > KeepDelivered || len(delivered) == 0 {
		t.Fatalf("%d delivered items kept, want 1 to %d", len(delivered), KeepDelivered)
	}
	if last := delivered[len(delivered)-1]; last.ID != "h5:open" {
		t.Errorf("the newest delivered item is gone: %q", itemIDs(delivered))
	}
	h.wantIDs("pending items are kept", itemIDs(h.list(flows.OutboxPending)), []string{"h6:open"})
}

// testConcurrentClaims: workers claiming at once never hold one item
// together.
func testConcurrentClaims(t *testing.T, h *h) {
	var items []flows.OutboxItem
	for i := range 40 {
		items = append(items, reply("c"+string(rune('A'+i)), 1))
	}
	for i, it := range items {
		h.newSession(it.ConversationID, flows.Commit{Outbox: items[i : i+1]})
	}
	now := h.now()
	var (
		mu   sync.Mutex
		seen = map[string]int{}
		wg   sync.WaitGroup
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				got, err := h.s.Claim(h.ctx, now, time.Minute, 3)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, it := range got {
					seen[it.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 40 {
		t.Errorf("%d items claimed, want all 40", len(seen))
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("%s claimed %d times within its lease", id, n)
		}
	}
}

// A handoff's ticket lives as long as its conversation, not the TTL from
// the open's delivery: a customer and an agent still talking past the TTL
// (a handoff over a weekend with session_ttl: 24h) have the customer's
// later messages appended to the ticket, not left waiting for it for ever.
func testTicketLivesWithConversation(t *testing.T, h *h) {
	s := &flows.Session{ID: "c", Flow: "f", State: "start", Lifecycle: flows.LifecycleHandedOff, CreatedAt: h.now(), UpdatedAt: h.now(),
		Handoff: &flows.HandoffRef{ID: "h1"}}
	h.save(s, flows.Commit{Outbox: []flows.OutboxItem{open("h1")}})
	got := h.claim(h.s, h.now(), 10)
	h.wantIDs("the open", itemIDs(got), []string{"h1:open"})
	h.deliver(got[0])
	// The agent answers now and then through the bridge: the conversation
	// is saved, with nothing for the helpdesk.
	for n := 1; n <= 3; n++ {
		h.clock.Add(TTL / 2)
		h.save(s, flows.Commit{Outbox: []flows.OutboxItem{reply("c", n)}})
		h.sweep()
		got = h.claim(h.s, h.now(), 10)
		h.wantIDs("the agent's reply", itemIDs(got), []string{fmt.Sprintf("c:reply:%d", n)})
		h.deliver(got[0])
	}
	h.save(s, flows.Commit{Outbox: []flows.OutboxItem{appendItem("h1", 1)}})
	h.sweep()
	got = h.claim(h.s, h.now(), 10)
	h.wantIDs(fmt.Sprintf("the customer's message %s after the open was delivered", 3*TTL/2), itemIDs(got), []string{"h1:append:1"})
	if got[0].Ticket.ID != "T-h1" {
		t.Fatalf("the append carries its open's ticket: %+v", got[0].Ticket)
	}
}
