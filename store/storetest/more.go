package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

func testLoads(t *testing.T, h *h) {
	want := func(what string, w map[string]int) {
		t.Helper()
		agents := []string{"ada", "bob", "cy"}
		got, err := h.s.Loads(h.ctx, agents)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range agents {
			if got[a] != w[a] {
				t.Fatalf("%s: loads %v, want %v", what, got, w)
			}
		}
	}
	want("at first", nil)
	s := h.newSession("c", flows.Commit{Loads: map[string]int{"ada": 1, "bob": 2}})
	want("after a save", map[string]int{"ada": 1, "bob": 2})
	h.save(s, flows.Commit{Loads: map[string]int{"ada": -1, "bob": -5}})
	want("never below zero", nil)
	h.save(s, flows.Commit{Loads: map[string]int{"bob": 1}})
	want("counting again from zero", map[string]int{"bob": 1})
	if err := h.s.Add(h.ctx, "cy", 2); err != nil {
		t.Fatal(err)
	}
	want("after Add", map[string]int{"bob": 1, "cy": 2})
	if err := h.s.Add(h.ctx, "", 1); err == nil {
		t.Error("Add of an agent without an id must fail")
	}
	if err := h.s.Save(h.ctx, s, flows.Commit{Loads: map[string]int{"": 1}}); err == nil {
		t.Error("a commit changing the load of an agent without an id must fail")
	}
}

// testExpiredLoads: the open handoffs a conversation counted for its
// agents (Commit.Loads) leave the counts when the conversation expires
// idle or is deleted, as no turn of it will ever take them off; those of
// live conversations and those made with Add stay.
func testExpiredLoads(t *testing.T, h *h) {
	h.newSession("gone", flows.Commit{Loads: map[string]int{"dan": 1}})
	if err := h.s.Delete(h.ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.s.Loads(h.ctx, []string{"dan"}); got["dan"] != 0 {
		t.Errorf("after its conversation was deleted dan counts %d, want 0", got["dan"])
	}
	h.newSession("idle", flows.Commit{Loads: map[string]int{"ada": 1, "bob": 2}})
	busy := h.newSession("busy", flows.Commit{Loads: map[string]int{"ada": 1}})
	if err := h.s.Add(h.ctx, "cy", 1); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(TTL / 2)
	h.save(busy, flows.Commit{})
	h.clock.Add(TTL/2 + time.Minute)
	h.gone("idle")
	h.sweep()
	if _, err := h.s.Due(h.ctx, h.now(), 10); err != nil {
		t.Fatal(err)
	}
	got, err := h.s.Loads(h.ctx, []string{"ada", "bob", "cy"})
	if err != nil {
		t.Fatal(err)
	}
	if got["ada"] != 1 || got["bob"] != 0 || got["cy"] != 1 {
		t.Errorf("after the idle conversation expired the loads are %v, want ada 1 (busy's), bob 0, cy 1 (Add's)", got)
	}
	// The id starts over, holding nothing.
	s := h.newSession("idle", flows.Commit{Loads: map[string]int{"bob": -1}})
	h.save(s, flows.Commit{Loads: map[string]int{"bob": 1}})
	if got, _ := h.s.Loads(h.ctx, []string{"bob"}); got["bob"] != 1 {
		t.Errorf("the conversation started over counts bob %d, want 1", got["bob"])
	}
}

func testTimers(t *testing.T, h *h) {
	now := h.now()
	a := h.newSession("a", flows.Commit{Timers: []flows.Timer{{Key: "t1", At: now.Add(2 * time.Minute)}, {Key: "t2", At: now.Add(time.Minute)}}})
	h.newSession("b", flows.Commit{Timers: []flows.Timer{{Key: "t1", ConversationID: "b", At: now.Add(3 * time.Minute)}}})
	due := func(at time.Time, max int) []string {
		t.Helper()
		ts, err := h.s.Due(h.ctx, at, max)
		if err != nil {
			t.Fatal(err)
		}
		return ids(ts, func(t flows.Timer) string { return t.ConversationID + "/" + t.Key + "@" + t.At.Sub(now).String() })
	}
	h.wantIDs("nothing due yet", due(now, 10), nil)
	h.wantIDs("due at +2m", due(now.Add(2*time.Minute), 10), []string{"a/t2@1m0s", "a/t1@2m0s"})
	h.wantIDs("a timer stays until a save removes it", due(now.Add(2*time.Minute), 10), []string{"a/t2@1m0s", "a/t1@2m0s"})
	h.wantIDs("at most max", due(now.Add(time.Hour), 2), []string{"a/t2@1m0s", "a/t1@2m0s"})
	h.wantIDs("all", due(now.Add(time.Hour), 10), []string{"a/t2@1m0s", "a/t1@2m0s", "b/t1@3m0s"})
	// Replacing, deleting, and the last of one key in a commit wins.
	h.save(a, flows.Commit{Timers: []flows.Timer{{Key: "t2"}, {Key: "t1", At: now.Add(5 * time.Minute)}, {Key: "t3", At: now.Add(time.Minute)}, {Key: "t3", At: now.Add(4 * time.Minute)}}})
	h.wantIDs("after a save", due(now.Add(time.Hour), 10), []string{"b/t1@3m0s", "a/t3@4m0s", "a/t1@5m0s"})
	h.save(a, flows.Commit{Timers: []flows.Timer{{Key: "t1"}, {Key: "t3"}, {Key: "gone"}}})
	h.wantIDs("after deleting", due(now.Add(time.Hour), 10), []string{"b/t1@3m0s"})
	// Many timers come out in order.
	var many []flows.Timer
	for i := range 50 {
		many = append(many, flows.Timer{Key: fmt.Sprint("k", i), At: now.Add(time.Duration(50-i) * time.Second)})
	}
	h.save(a, flows.Commit{Timers: many})
	got, err := h.s.Due(h.ctx, now.Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 51 {
		t.Fatalf("%d timers due, want 51", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].At.Before(got[i-1].At) {
			t.Fatalf("timers out of order at %d: %v after %v", i, got[i].At, got[i-1].At)
		}
	}
}

func testDedupe(t *testing.T, h *h) {
	seen := func(key string, ttl time.Duration) bool {
		t.Helper()
		ok, err := h.s.Seen(h.ctx, key, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if seen("k1", time.Hour) {
		t.Fatal("a new key was seen")
	}
	if !seen("k1", time.Hour) {
		t.Fatal("a key recorded a moment ago was not seen")
	}
	if seen("k2", time.Minute) {
		t.Fatal("another key was seen")
	}
	h.clock.Add(30 * time.Minute)
	if !seen("k1", time.Hour) {
		t.Fatal("k1 is within its ttl")
	}
	if seen("k2", time.Minute) {
		t.Fatal("k2 is past its ttl and must be new again")
	}
	if !seen("k2", time.Minute) {
		t.Fatal("k2 was recorded again")
	}
	h.clock.Add(time.Hour)
	if seen("k1", time.Hour) {
		t.Fatal("k1 is past its ttl")
	}
}

// testDedupeEdges: an empty key is refused, and a ttl of zero or less
// remembers nothing (a key recorded with it is new again at once), while a
// key already recorded within its ttl stays seen.
func testDedupeEdges(t *testing.T, h *h) {
	if ok, err := h.s.Seen(h.ctx, "", time.Hour); err == nil {
		t.Fatalf("Seen(\"\") = %v, nil; want an error", ok)
	}
	for _, ttl := range []time.Duration{0, -time.Minute} {
		key := fmt.Sprint("zero", ttl)
		for i := range 2 {
			ok, err := h.s.Seen(h.ctx, key, ttl)
			if err != nil {
				t.Fatalf("Seen(%q, %v) #%d: %v", key, ttl, i+1, err)
			}
			if ok {
				t.Fatalf("Seen(%q, %v) #%d = true; a ttl of %v remembers nothing", key, ttl, i+1, ttl)
			}
		}
	}
	if ok, err := h.s.Seen(h.ctx, "kept", time.Hour); err != nil || ok {
		t.Fatalf("Seen(kept) = %v, %v; want false, nil", ok, err)
	}
	if ok, err := h.s.Seen(h.ctx, "kept", 0); err != nil || !ok {
		t.Fatalf("Seen(kept, 0) within the first ttl = %v, %v; want true, nil", ok, err)
	}
}

func inbound(id, conv, text string, at time.Time) flows.Inbound {
	return flows.Inbound{ID: id, Channel: flows.ChannelWhatsApp, Account: "106540352242922", ConversationID: conv,
		Contact: flows.Contact{ID: conv, Name: "Anna", Meta: map[string]string{"vip": "true"}},
		Input:   flows.Input{Kind: flows.InputMessage, Text: text, At: at}, At: at}
}

func (h *h) accept(in flows.Inbound) bool {
	h.t.Helper()
	ok, err := h.s.Inbox().Accept(h.ctx, in)
	if err != nil {
		h.t.Fatalf("Accept %s: %v", in.ID, err)
	}
	return ok
}

func (h *h) claimInbox(at time.Time, max int) []flows.InboxEntry {
	h.t.Helper()
	got, err := h.s.Inbox().Claim(h.ctx, at, time.Minute, max)
	if err != nil {
		h.t.Fatalf("Claim inbox: %v", err)
	}
	return got
}

func entryIDs(es []flows.InboxEntry) []string {
	return ids(es, func(e flows.InboxEntry) string { return e.ID })
}

func testInbox(t *testing.T, h *h) {
	at := h.now().Add(-time.Second)
	in := inbound("wamid.1", "c", "ciao", at)
	in.Input.Media = &flows.Media{Kind: flows.MediaImage, ID: "m1", Caption: "foto"}
	if !h.accept(in) {
		t.Fatal("a new message was refused")
	}
	if h.accept(in) {
		t.Fatal("a redelivered message was accepted twice")
	}
	got := h.claimInbox(h.now(), 10)
	if len(got) != 1 {
		t.Fatalf("claimed %q", entryIDs(got))
	}
	e := got[0]
	if e.ID != "wamid.1" || e.Attempts != 1 || !e.AcceptedAt.Equal(h.now()) || e.Inbound.Input.Text != "ciao" ||
		e.Inbound.Input.Media == nil || e.Inbound.Input.Media.Caption != "foto" || e.Inbound.Contact.Meta["vip"] != "true" || !e.Inbound.At.Equal(at) {
		t.Fatalf("the entry came back as %+v", e)
	}
	h.wantIDs("within the lease", entryIDs(h.claimInbox(h.now().Add(30*time.Second), 10)), nil)
	again := h.claimInbox(h.now().Add(2*time.Minute), 10)
	if len(again) != 1 || again[0].Attempts != 2 {
		t.Fatalf("after the lease: %+v", again)
	}
	if _, err := h.s.Inbox().Accept(h.ctx, flows.Inbound{ConversationID: "c"}); err == nil {
		t.Error("a message without an id was accepted")
	}
	if _, err := h.s.Inbox().Accept(h.ctx, flows.Inbound{ID: "x"}); err == nil {
		t.Error("a message without a conversation was accepted")
	}
}

func testInboxOrder(t *testing.T, h *h) {
	now := h.now()
	for i, m := range []struct{ id, conv string }{{"a1", "a"}, {"b1", "b"}, {"a2", "a"}, {"c1", "c"}, {"a3", "a"}} {
		h.clock.Add(time.Second)
		if !h.accept(inbound(m.id, m.conv, fmt.Sprint("m", i), now)) {
			t.Fatalf("%s refused", m.id)
		}
	}
	h.wantIDs("the oldest of each conversation", entryIDs(h.claimInbox(h.now(), 10)), []string{"a1", "b1", "c1"})
	h.wantIDs("a conversation's next waits for its first", entryIDs(h.claimInbox(h.now(), 10)), nil)
	h.wantIDs("at most max", entryIDs(h.claimInbox(h.now().Add(2*time.Minute), 2)), []string{"a1", "b1"})
	// Consuming a1 makes a2 claimable.
	s := h.newSession("a", flows.Commit{Done: []string{"a1"}})
	h.wantIDs("after a1 is done", entryIDs(h.claimInbox(h.now().Add(150*time.Second), 10)), []string{"a2", "c1"})
	h.save(s, flows.Commit{Done: []string{"a2"}})
	h.wantIDs("after a2 is done", entryIDs(h.claimInbox(h.now().Add(4*time.Minute), 10)), []string{"b1", "c1", "a3"})
}

func testInboxDone(t *testing.T, h *h) {
	h.accept(inbound("m1", "c", "one", h.now()))
	h.accept(inbound("m2", "c", "two", h.now()))
	h.claimInbox(h.now(), 10)
	s := h.newSession("c", flows.Commit{})
	// Two workers ran the turn of m1 (the first one's lease ran out).
	first, second := h.load("c"), h.load("c")
	h.save(first, flows.Commit{Done: []string{"m1"}, Outbox: []flows.OutboxItem{reply("c", 1)}})
	second.State = "twice"
	err := h.s.Save(h.ctx, second, flows.Commit{Done: []string{"m1"}, Outbox: []flows.OutboxItem{reply("c", 9)}})
	if !errors.Is(err, flows.ErrConsumed) {
		t.Fatalf("consuming m1 twice: %v, want flows.ErrConsumed", err)
	}
	// Even from the fresh revision: m1's turn is not run twice.
	fresh := h.load("c")
	if err := h.s.Save(h.ctx, fresh, flows.Commit{Done: []string{"m1"}}); !errors.Is(err, flows.ErrConsumed) {
		t.Fatalf("consuming m1 again: %v, want flows.ErrConsumed", err)
	}
	if err := h.s.Save(h.ctx, fresh, flows.Commit{Done: []string{"unknown"}}); !errors.Is(err, flows.ErrConsumed) {
		t.Fatalf("consuming an unknown entry: %v, want flows.ErrConsumed", err)
	}
	if got := h.load("c"); got.Rev != s.Rev+1 || got.State == "twice" {
		t.Fatalf("a refused save changed the session: %+v", got)
	}
	h.wantIDs("only the first turn's reply", itemIDs(h.list("")), []string{"c:reply:1"})
	// A consumed message redelivered within the dedupe window stays out.
	if h.accept(inbound("m1", "c", "one", h.now())) {
		t.Fatal("a consumed message was accepted again")
	}
	h.clock.Add(InboxDedupe + time.Minute)
	h.save(h.load("c"), flows.Commit{Done: []string{"m2"}})
	if !h.accept(inbound("m1", "c", "one", h.now())) {
		t.Fatal("a message id past the dedupe window must be new again")
	}
}

// A save asked what the inbox holds (Commit.Left) reports whether the
// conversation has unconsumed entries once its Done are consumed: a
// message accepted while the turn ran, another conversation's not.
func testInboxLeft(t *testing.T, h *h) {
	h.accept(inbound("m1", "c", "one", h.now()))
	h.accept(inbound("o1", "other", "hi", h.now()))
	h.claimInbox(h.now(), 10)
	h.accept(inbound("m2", "c", "two", h.now())) // while m1's turn runs
	steps := []struct {
		name string
		c    flows.Commit
		more bool
	}{
		{"m1 done, m2 waits", flows.Commit{Done: []string{"m1"}}, true},
		{"nothing done, m2 still waits", flows.Commit{}, true},
		{"m2 done: only the other conversation's is left", flows.Commit{Done: []string{"m2"}}, false},
	}
	s := h.newSession("c", flows.Commit{})
	for _, st := range steps {
		left := &flows.InboxLeft{More: !st.more}
		st.c.Left = left
		h.save(s, st.c)
		if left.More != st.more {
			t.Errorf("%s: More = %v, want %v", st.name, left.More, st.more)
		}
	}
	// A refused save reports nothing.
	left := &flows.InboxLeft{More: true}
	stale := h.load("c")
	stale.Rev--
	if err := h.s.Save(h.ctx, stale, flows.Commit{Left: left}); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("stale save: %v, want flows.ErrConflict", err)
	}
	if !left.More {
		t.Error("a refused save changed Left")
	}
}

// An id accepted with its own dedupe window (Inbound.DedupeFor) is
// remembered for that long, not the store's window; others keep theirs.
func testInboxDedupeFor(t *testing.T, h *h) {
	short := inbound("content:1", "c", "thanks", h.now())
	short.DedupeFor = 10 * time.Minute
	h.accept(short)
	h.accept(inbound("m1", "c", "one", h.now()))
	h.claimInbox(h.now(), 10)
	s := h.newSession("c", flows.Commit{Done: []string{"content:1"}})
	h.claimInbox(h.now().Add(2*time.Minute), 10)
	h.save(s, flows.Commit{Done: []string{"m1"}})
	h.clock.Add(9 * time.Minute)
	if h.accept(short) {
		t.Fatal("an id was forgotten before its own dedupe window ended")
	}
	h.clock.Add(2 * time.Minute)
	if !h.accept(short) {
		t.Fatal("an id past its own dedupe window must be new again")
	}
	if h.accept(inbound("m1", "c", "one", h.now())) {
		t.Fatal("an id without its own window was forgotten with the short one")
	}
}

// testAfterClose: once closed, a store refuses every call with an error
// wrapping flows.ErrClosed, reads and writes alike, and closing it again
// is not an error.
func testAfterClose(t *testing.T, h *h) {
	s := h.newSession("c", flows.Commit{Outbox: []flows.OutboxItem{open("h1")}})
	it := h.claim(h.s, h.now(), 1)[0]
	if err := h.s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx, now := h.ctx, h.now()
	calls := []struct {
		name string
		call func() error
	}{
		{"Load", func() error { _, err := h.s.Load(ctx, "c"); return err }},
		{"Save", func() error { return h.s.Save(ctx, s, flows.Commit{}) }},
		{"Save new", func() error {
			return h.s.Save(ctx, &flows.Session{ID: "d", Flow: "f", State: "start", CreatedAt: now, UpdatedAt: now}, flows.Commit{})
		}},
		{"Delete", func() error { return h.s.Delete(ctx, "c") }},
		{"Claim", func() error { _, err := h.s.Claim(ctx, now, time.Minute, 10); return err }},
		{"Settle", func() error { return h.s.Settle(ctx, it) }},
		{"List", func() error { _, err := h.s.List(ctx, ""); return err }},
		{"OutboxOf.Claim", func() error {
			_, err := h.s.OutboxOf(flows.HandoffKinds...).Claim(ctx, now, time.Minute, 10)
			return err
		}},
		{"OutboxOf.List", func() error { _, err := h.s.OutboxOf(flows.OutboxReply).List(ctx, ""); return err }},
		{"Loads", func() error { _, err := h.s.Loads(ctx, []string{"anna"}); return err }},
		{"Add", func() error { return h.s.Add(ctx, "anna", 1) }},
		{"Due", func() error { _, err := h.s.Due(ctx, now, 10); return err }},
		{"Seen", func() error { _, err := h.s.Seen(ctx, "k", time.Hour); return err }},
		{"Inbox.Accept", func() error { _, err := h.s.Inbox().Accept(ctx, inbound("m1", "c", "hi", now)); return err }},
		{"Inbox.Claim", func() error { _, err := h.s.Inbox().Claim(ctx, now, time.Minute, 10); return err }},
		{"Inbox.Defer", func() error {
			d, ok := h.s.Inbox().(flows.InboxDeferrer)
			if !ok {
				return flows.ErrClosed // InboxDefer says it is missing
			}
			return d.Defer(ctx, flows.InboxEntry{ID: "m1", Inbound: inbound("m1", "c", "hi", now), Attempts: 1}, now)
		}},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, flows.ErrClosed) {
			t.Errorf("%s after Close: %v, want an error wrapping flows.ErrClosed", c.name, err)
		}
	}
	if err := h.s.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// testCloseUnderWay: calls under way when the store closes end as if it
// had not closed, or with an error wrapping flows.ErrClosed, never with
// the error of what the store closed (a database, a connection): a host
// shutting down tells the two apart.
func testCloseUnderWay(t *testing.T, h *h) {
	for round := range 5 {
		s := h.open()
		const workers = 8
		ended := make(chan error, workers)
		var started sync.WaitGroup
		started.Add(workers)
		for w := range workers {
			go func() {
				conv := fmt.Sprint("r", round, "w", w)
				for n := 0; ; n++ {
					var err error
					now := h.now()
					switch n % 5 {
					case 0:
						_, err = s.Load(h.ctx, conv)
					case 1:
						err = s.Save(h.ctx, &flows.Session{ID: fmt.Sprint(conv, "-", n), Flow: "f", State: "start", CreatedAt: now, UpdatedAt: now},
							flows.Commit{Outbox: []flows.OutboxItem{open(fmt.Sprint(conv, "-", n))}, Timers: []flows.Timer{{Key: "t", At: now}}})
					case 2:
						var items []flows.OutboxItem
						if items, err = s.Claim(h.ctx, now, time.Minute, 2); err == nil && len(items) > 0 {
							items[0].Status = flows.OutboxDelivered
							err = s.Settle(h.ctx, items[0])
						}
					case 3:
						_, err = s.Inbox().Accept(h.ctx, inbound(fmt.Sprint(conv, "-", n), conv, "hi", now))
					case 4:
						_, err = s.Due(h.ctx, now, 10)
					}
					if n == 5 {
						started.Done()
					}
					if err != nil && !errors.Is(err, flows.ErrNoSession) {
						if n < 5 {
							started.Done()
						}
						ended <- err
						return
					}
				}
			}()
		}
		started.Wait()
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		for range workers {
			if err := <-ended; !errors.Is(err, flows.ErrClosed) {
				t.Errorf("a call under way as the store closed: %v, want an error wrapping flows.ErrClosed", err)
			}
		}
	}
}
