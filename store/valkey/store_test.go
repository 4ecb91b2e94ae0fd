package valkey

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/flows"
)

func forKinds(t *testing.T, f func(t *testing.T, kind string)) {
	for _, k := range kinds {
		t.Run(k, func(t *testing.T) { f(t, k) })
	}
}

func TestSaveLoadCompareAndSet(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		s := open(t, kind)
		if _, err := s.Load(ctx, "c1"); !errors.Is(err, flows.ErrNoSession) {
			t.Fatalf("Load of nothing: %v, want ErrNoSession", err)
		}
		sess := &flows.Session{ID: "c1", Flow: "f", State: "menu", Vars: map[string]any{"n": "x"}}
		if err := s.Save(ctx, sess, flows.Commit{}); err != nil {
			t.Fatal(err)
		}
		if sess.Rev != 1 {
			t.Fatalf("rev %d after the first save, want 1", sess.Rev)
		}
		stale := *sess
		sess.State = "ask"
		if err := s.Save(ctx, sess, flows.Commit{}); err != nil {
			t.Fatal(err)
		}
		stale.State = "other"
		if err := s.Save(ctx, &stale, flows.Commit{}); !errors.Is(err, flows.ErrConflict) {
			t.Fatalf("stale save: %v, want ErrConflict", err)
		}
		got, err := s.Load(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != "ask" || got.Rev != 2 || got.Vars["n"] != "x" || got.ID != "c1" {
			t.Fatalf("loaded %+v", got)
		}
	})
}

func msg(i int, from flows.Role) flows.Message {
	return flows.Message{At: time.Unix(1700000000, 0).UTC(), From: from, Text: fmt.Sprint("m", i)}
}

func TestTranscriptPushesOnlyNewMessages(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		s := open(t, kind)
		sess := &flows.Session{ID: "c"}
		var all []flows.Message
		const limit = 5
		for turn := range 8 {
			if turn > 0 {
				var err error
				if sess, err = s.Load(ctx, "c"); err != nil {
					t.Fatal(err)
				}
			}
			all = append(all, msg(2*turn, flows.RoleUser), msg(2*turn+1, flows.RoleBot))
			tr := all
			if len(tr) > limit {
				tr = tr[len(tr)-limit:]
			}
			sess.Transcript = append([]flows.Message(nil), tr...)
			if turn > 0 {
				keep, fresh := s.tr.delta("c", sess.Rev, sess.Transcript)
				if keep < 0 || len(fresh) != 2 {
					t.Fatalf("turn %d: keep %d, %d fresh messages; want 2 pushed", turn, keep, len(fresh))
				}
			}
			if err := s.Save(ctx, sess, flows.Commit{}); err != nil {
				t.Fatal(err)
			}
			n, err := s.c.Do(ctx, s.c.B().Llen().Key(s.convKey("c", "tr")).Build()).AsInt64()
			if err != nil || int(n) != len(tr) {
				t.Fatalf("turn %d: list holds %d messages (%v), want %d", turn, n, err, len(tr))
			}
		}
		got, err := s.Load(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		want := all[len(all)-limit:]
		if len(got.Transcript) != len(want) {
			t.Fatalf("transcript %v, want %v", got.Transcript, want)
		}
		for i := range want {
			if !sameMessage(&got.Transcript[i], &want[i]) {
				t.Fatalf("message %d: %+v, want %+v", i, got.Transcript[i], want[i])
			}
		}
		// A store that did not load the session rewrites the list.
		other := open(t, kind, WithPrefix(s.prefix))
		got.Transcript = append(got.Transcript, msg(99, flows.RoleUser))
		if err := other.Save(ctx, got, flows.Commit{}); err != nil {
			t.Fatal(err)
		}
		again, _ := s.Load(ctx, "c")
		if len(again.Transcript) != limit+1 || again.Transcript[limit].Text != "m99" {
			t.Fatalf("after a rewrite: %v", again.Transcript)
		}
	})
}

func TestOutboxOrderDeadAndRevive(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		now := time.Unix(1700000000, 0)
		s := open(t, kind, WithClock(func() time.Time { return now }))
		sess := &flows.Session{ID: "c"}
		items := []flows.OutboxItem{
			{ID: "o1", Kind: flows.OutboxOpen, HandoffID: "h1"},
			{ID: "a1", Kind: flows.OutboxAppend, HandoffID: "h1", Message: &flows.Message{Text: "x"}},
			{ID: "r1", Kind: flows.OutboxReply},
			{ID: "r2", Kind: flows.OutboxReply},
		}
		if err := s.Save(ctx, sess, flows.Commit{Outbox: items}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Claim(ctx, now, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if ids(got) != "o1 r1" {
			t.Fatalf("first claim %q, want the open and the first reply", ids(got))
		}
		if again, _ := s.Claim(ctx, now, time.Minute, 10); len(again) != 0 {
			t.Fatalf("leased items claimed again: %q", ids(again))
		}
		replies := s.OutboxOf(flows.OutboxReply)
		got[1].Status = flows.OutboxDelivered
		if err := replies.Settle(ctx, got[1]); err != nil {
			t.Fatal(err)
		}
		r, _ := replies.Claim(ctx, now, time.Minute, 10)
		if ids(r) != "r2" {
			t.Fatalf("reply worker claimed %q, want r2", ids(r))
		}
		open := got[0]
		open.Status = flows.OutboxDead
		open.LastError = "401"
		if err := s.Settle(ctx, open); err != nil {
			t.Fatal(err)
		}
		dead, _ := s.List(ctx, flows.OutboxDead)
		if ids(dead) != "o1 a1" {
			t.Fatalf("dead %q, want the open and its append", ids(dead))
		}
		open.Status = flows.OutboxPending
		if err := s.Settle(ctx, open); err != nil {
			t.Fatal(err)
		}
		h, _ := s.OutboxOf(flows.HandoffKinds...).Claim(ctx, now, time.Minute, 10)
		if ids(h) != "o1" {
			t.Fatalf("after the retry claimed %q, want o1", ids(h))
		}
		h[0].Status = flows.OutboxDelivered
		h[0].Ticket = flows.TicketRef{Connector: "zendesk", ID: "42"}
		if err := s.Settle(ctx, h[0]); err != nil {
			t.Fatal(err)
		}
		h, _ = s.Claim(ctx, now, time.Minute, 10)
		if ids(h) != "a1" || h[0].Ticket.ID != "42" {
			t.Fatalf("append claimed %q with ticket %+v", ids(h), h)
		}
		// A retried save does not enqueue twice.
		if err := s.Save(ctx, sess, flows.Commit{Outbox: items[:1]}); err != nil {
			t.Fatal(err)
		}
		all, _ := s.List(ctx, "")
		if ids(all) != "o1 a1 r1 r2" {
			t.Fatalf("all items %q", ids(all))
		}
	})
}

func ids(items []flows.OutboxItem) string {
	s := ""
	for i, it := range items {
		if i > 0 {
			s += " "
		}
		s += it.ID
	}
	return s
}

func TestInboxTimersLoadsDedupe(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		now := time.Unix(1700000000, 0)
		s := open(t, kind, WithClock(func() time.Time { return now }))
		in := s.Inbox()
		for _, id := range []string{"m1", "m2", "m1"} {
			if _, err := in.Accept(ctx, flows.Inbound{ID: id, ConversationID: "c", Input: flows.Input{Kind: flows.InputMessage, Text: id}}); err != nil {
				t.Fatal(err)
			}
		}
		e, err := in.Claim(ctx, now, time.Minute, 10)
		if err != nil || len(e) != 1 || e[0].ID != "m1" || e[0].Attempts != 1 || e[0].Inbound.Input.Text != "m1" {
			t.Fatalf("claim: %+v, %v", e, err)
		}
		if e2, _ := in.Claim(ctx, now, time.Minute, 10); len(e2) != 0 {
			t.Fatalf("claimed past a leased head: %+v", e2)
		}
		sess := &flows.Session{ID: "c"}
		c := flows.Commit{Done: []string{"m1"}, Loads: map[string]int{"ann": 1},
			Timers: []flows.Timer{{Key: "k1", At: now.Add(time.Minute)}}}
		if err := s.Save(ctx, sess, c); err != nil {
			t.Fatal(err)
		}
		if err := s.Save(ctx, sess, flows.Commit{Done: []string{"m1"}}); !errors.Is(err, flows.ErrConsumed) {
			t.Fatalf("consumed twice: %v", err)
		}
		e, _ = in.Claim(ctx, now, time.Minute, 10)
		if len(e) != 1 || e[0].ID != "m2" {
			t.Fatalf("next claim %+v, want m2", e)
		}
		l, _ := s.Loads(ctx, []string{"ann", "bob"})
		if l["ann"] != 1 || l["bob"] != 0 {
			t.Fatalf("loads %v", l)
		}
		if d, _ := s.Due(ctx, now, 10); len(d) != 0 {
			t.Fatalf("not yet due: %+v", d)
		}
		d, _ := s.Due(ctx, now.Add(time.Minute), 10)
		if len(d) != 1 || d[0].Key != "k1" || d[0].ConversationID != "c" {
			t.Fatalf("due %+v", d)
		}
		if err := s.Save(ctx, sess, flows.Commit{Loads: map[string]int{"ann": -3}, Timers: []flows.Timer{{Key: "k1"}}}); err != nil {
			t.Fatal(err)
		}
		if d, _ := s.Due(ctx, now.Add(time.Hour), 10); len(d) != 0 {
			t.Fatalf("deleted timer still due: %+v", d)
		}
		l, _ = s.Loads(ctx, []string{"ann"})
		if l["ann"] != 0 {
			t.Fatalf("loads %v, want 0", l)
		}
		for i, want := range []bool{false, true} {
			seen, err := s.Seen(ctx, "wh-1", time.Minute)
			if err != nil || seen != want {
				t.Fatalf("Seen #%d = %v, %v", i, seen, err)
			}
		}
		now = now.Add(2 * time.Minute)
		if seen, _ := s.Seen(ctx, "wh-1", time.Minute); seen {
			t.Fatal("a dedupe key outlived its ttl")
		}
	})
}

// Cached loads are read from the client's memory until the server says
// they changed.
func TestCachedLoads(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		s := open(t, kind, WithCachedLoads(time.Minute))
		if l, err := s.Loads(ctx, []string{"ann"}); err != nil || l["ann"] != 0 {
			t.Fatalf("loads %v, %v", l, err)
		}
		other := open(t, kind, WithPrefix(s.prefix)) // another process
		if err := other.Save(ctx, &flows.Session{ID: "c"}, flows.Commit{Loads: map[string]int{"ann": 2}}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute) // ends a hang
		for {
			l, err := s.Loads(ctx, []string{"ann"})
			if err != nil {
				t.Fatal(err)
			}
			if l["ann"] == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the cached load never saw the change: %v", l)
			}
			time.Sleep(5 * time.Millisecond)
		}
		// Now cached: the next read is a hit.
		hits := 0
		for range 3 {
			res := s.c.DoMultiCache(ctx, valkey.CT(s.c.B().Hmget().Key(s.shardKey(s.shardOf("c"), "ld")).Field("ann").Cache(), time.Minute))
			if res[0].IsCacheHit() {
				hits++
			}
		}
		if hits == 0 {
			t.Error("Loads' reads are never served from the client's cache")
		}
	})
}

// A conversation id whose keys would have an empty hash tag ("}x") cannot
// keep its keys in one slot of a cluster: the store says so instead of
// panicking in the client, and deleting it, or the empty id, deletes
// nothing as for any unknown id. Other ids with braces work.
func TestClusterEmptyHashTag(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		s := open(t, kind)
		for _, id := range []string{"}x", "a}b", "{a}", "x{", "wa:1:{}"} {
			func() {
				defer func() {
					if v := recover(); v != nil {
						t.Errorf("%q: panic: %v", id, v)
					}
				}()
				err := s.Save(ctx, &flows.Session{ID: id}, flows.Commit{})
				_, aerr := s.Accept(ctx, flows.Inbound{ID: "m-" + id, ConversationID: id})
				if kind == "cluster" && id == "}x" {
					for _, err := range []error{err, aerr} {
						if err == nil || !strings.Contains(err.Error(), "'}'") {
							t.Errorf("%q on a cluster: %v, want an error saying the id cannot start with '}'", id, err)
						}
					}
				} else if err != nil || aerr != nil {
					t.Errorf("%q: Save %v, Accept %v", id, err, aerr)
				}
				if err := s.Delete(ctx, id); err != nil {
					t.Errorf("Delete %q: %v", id, err)
				}
			}()
		}
		func() {
			defer func() {
				if v := recover(); v != nil {
					t.Errorf("Delete of the empty id: panic: %v", v)
				}
			}()
			if err := s.Delete(ctx, ""); err != nil {
				t.Errorf("Delete of the empty id: %v", err)
			}
		}()
	})
}

// A URL that does not parse (a password with a bare '%' or a space) is
// refused without showing the password in the error, which goes to the
// logs.
func TestURLErrorHidesPassword(t *testing.T) {
	for _, u := range []string{"redis://:se%zzcret@127.0.0.1:1", "redis://:sec ret@127.0.0.1:1", "rediss://ann:sec%ret@127.0.0.1:1/0", "redis://ann:sec%2q@127.0.0.1:1"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s, err := NewStore(ctx, u, WithSweepEvery(0))
		cancel()
		if err == nil {
			s.Close()
			t.Fatalf("%s: connected", u)
		}
		for _, secret := range []string{"sec", "cret", "%zz", "%re", "%2q"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: the error shows the password (%q): %v", u, secret, err)
			}
		}
		if !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("%s: the error does not name the server: %v", u, err)
		}
	}
}
