package valkey

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/flows"
)

// On a cluster a conversation's write and the publishing of its state to
// the shared indexes are two steps. A process that dies between them
// leaves the write done and the indexes behind: nothing is lost, the sweep
// catches up.
func TestClusterCrashBetweenWriteAndPublish(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	s := open(t, "cluster", WithClock(func() time.Time { return now }))
	if !s.cluster {
		t.Fatal("the cluster store does not see a cluster")
	}
	crash := errors.New("crash")
	afterCommitHook = func(string) error { return crash }
	sess := &flows.Session{ID: "c"}
	err := s.Save(ctx, sess, flows.Commit{
		Outbox: []flows.OutboxItem{{ID: "r1", Kind: flows.OutboxReply}},
		Loads:  map[string]int{"ann": 1},
		Timers: []flows.Timer{{Key: "k", At: now}},
	})
	afterCommitHook = nil
	if err != nil {
		t.Fatalf("the save itself happened, its error is %v", err)
	}
	if sess.Rev != 1 {
		t.Fatalf("rev %d", sess.Rev)
	}
	// The indexes do not know yet.
	if got, _ := s.Claim(ctx, now, time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed before the sweep: %q", ids(got))
	}
	if l, _ := s.Loads(ctx, []string{"ann"}); l["ann"] != 0 {
		t.Fatalf("loads before the sweep: %v", l)
	}
	n, err := s.Sweep(ctx)
	if err != nil || n != 1 {
		t.Fatalf("sweep published %d (%v), want 1", n, err)
	}
	got, _ := s.Claim(ctx, now, time.Minute, 10)
	if ids(got) != "r1" {
		t.Fatalf("after the sweep claimed %q", ids(got))
	}
	if l, _ := s.Loads(ctx, []string{"ann"}); l["ann"] != 1 {
		t.Fatalf("loads after the sweep: %v", l)
	}
	if d, _ := s.Due(ctx, now, 10); len(d) != 1 {
		t.Fatalf("timers after the sweep: %+v", d)
	}
	// A second sweep finds nothing to do, and a stale publish is refused.
	if n, _ := s.Sweep(ctx); n != 0 {
		t.Fatalf("second sweep published %d", n)
	}
	old := []string{"1", "", "", "", "", "", ""}
	if err := s.publish(ctx, "c", old); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.Loads(ctx, []string{"ann"}); l["ann"] != 1 {
		t.Fatalf("an old state overwrote a newer one: loads %v", l)
	}
}

// The background sweep runs by itself.
func TestBackgroundSweep(t *testing.T) {
	ctx := context.Background()
	s := open(t, "cluster", WithSweepEvery(20*time.Millisecond))
	afterCommitHook = func(string) error { return errors.New("crash") }
	err := s.Save(ctx, &flows.Session{ID: "c"}, flows.Commit{Outbox: []flows.OutboxItem{{ID: "r1", Kind: flows.OutboxReply}}})
	afterCommitHook = nil
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute) // ends a hang; a busy machine delays the 20ms sweeps
	for {
		if got, _ := s.Claim(ctx, time.Now(), time.Minute, 10); len(got) == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the background sweep did not publish the lost state within a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestIdleExpiry(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		now := time.Unix(1700000000, 0)
		s := open(t, kind, WithClock(func() time.Time { return now }), WithTTL(time.Hour))
		sess := &flows.Session{ID: "c", Transcript: []flows.Message{msg(1, flows.RoleUser)}}
		if err := s.Save(ctx, sess, flows.Commit{Timers: []flows.Timer{{Key: "k", At: now.Add(2 * time.Hour)}}}); err != nil {
			t.Fatal(err)
		}
		ttl, err := s.c.Do(ctx, s.c.B().Pttl().Key(s.convKey("c", "s")).Build()).AsInt64()
		if err != nil || ttl <= 0 || ttl > time.Hour.Milliseconds() {
			t.Fatalf("session key PTTL %d (%v), want within an hour", ttl, err)
		}
		now = now.Add(time.Hour)
		if _, err := s.Load(ctx, "c"); !errors.Is(err, flows.ErrNoSession) {
			t.Fatalf("an idle session loads: %v", err)
		}
		// Saving over it starts afresh: revision 0, no old timers.
		fresh := &flows.Session{ID: "c"}
		if err := s.Save(ctx, fresh, flows.Commit{}); err != nil || fresh.Rev != 1 {
			t.Fatalf("save over an expired session: rev %d, %v", fresh.Rev, err)
		}
		if d, _ := s.Due(ctx, now.Add(3*time.Hour), 10); len(d) != 0 {
			t.Fatalf("the expired conversation's timer survived: %+v", d)
		}
	})
}

// Due forgets a conversation idle past the TTL by the store's clock whose
// keys have not expired yet, and takes it out of its shard's timer index:
// on a quiet bot the index does not keep naming conversations that are
// gone.
func TestDueDropsExpiredFromIndex(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		now := time.Unix(1700000000, 0)
		s := open(t, kind, WithClock(func() time.Time { return now }), WithTTL(time.Hour))
		if err := s.Save(ctx, &flows.Session{ID: "quiet"}, flows.Commit{Timers: []flows.Timer{{Key: "k", At: now}}}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		if d, err := s.Due(ctx, now, 10); err != nil || len(d) != 0 {
			t.Fatalf("Due: %+v, %v; want nothing of the expired conversation", d, err)
		}
		idx := s.shardKey(s.shardOf("quiet"), "ti")
		if err := s.c.Do(ctx, s.c.B().Zscore().Key(idx).Member("quiet").Build()).Error(); !valkey.IsValkeyNil(err) {
			t.Fatalf("the timer index still names the expired conversation (%v)", err)
		}
	})
}

func TestDeleteKeepsOutbox(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		s := open(t, kind)
		err := s.Save(ctx, &flows.Session{ID: "c"}, flows.Commit{
			Outbox: []flows.OutboxItem{{ID: "o", Kind: flows.OutboxOpen, HandoffID: "h"}},
			Timers: []flows.Timer{{Key: "k", At: time.Now()}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "c"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(ctx, "c"); !errors.Is(err, flows.ErrNoSession) {
			t.Fatalf("deleted session loads: %v", err)
		}
		if d, _ := s.Due(ctx, time.Now().Add(time.Hour), 10); len(d) != 0 {
			t.Fatalf("deleted conversation's timers: %+v", d)
		}
		if got, _ := s.Claim(ctx, time.Now().Add(time.Second), time.Minute, 10); ids(got) != "o" {
			t.Fatalf("the handoff of a deleted conversation: %q", ids(got))
		}
	})
}

// Every key a conversation has expires, whichever script created it.
func TestEveryKeyExpires(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		now := time.Unix(1700000000, 0)
		s := open(t, kind, WithClock(func() time.Time { return now }), WithTTL(time.Hour))
		sess := &flows.Session{ID: "c"}
		if err := s.Save(ctx, sess, flows.Commit{}); err != nil { // every key's expiry is set here
			t.Fatal(err)
		}
		// Later writes create the other keys.
		if _, err := s.Inbox().Accept(ctx, flows.Inbound{ID: "m1", ConversationID: "c"}); err != nil {
			t.Fatal(err)
		}
		sess.Transcript = []flows.Message{msg(1, flows.RoleUser)}
		err := s.Save(ctx, sess, flows.Commit{
			Outbox: []flows.OutboxItem{{ID: "r", Kind: flows.OutboxReply}, {ID: "o", Kind: flows.OutboxOpen, HandoffID: "h"}},
			Loads:  map[string]int{"ann": 1},
			Timers: []flows.Timer{{Key: "k", At: now.Add(time.Minute)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.Claim(ctx, now, time.Minute, 10)
		for _, it := range got {
			it.Status = flows.OutboxDelivered
			it.Ticket = flows.TicketRef{Connector: "zendesk", ID: "1"}
			if err := s.Settle(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		n := 0
		for _, k := range s.convKeys("c")[:nConvKeys] {
			ttl, err := s.c.Do(ctx, s.c.B().Pttl().Key(k).Build()).AsInt64()
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case ttl == -1:
				t.Errorf("%s never expires", k)
			case ttl > 0:
				n++
			}
		}
		if n < nConvKeys-2 {
			t.Errorf("only %d of the %d keys exist", n, nConvKeys)
		}
	})
}

// TestInboxDedupeOutlivesAShortTTL: with session_ttl shorter than the
// inbox's dedupe window, a message id is still remembered for the whole
// window (as the memory and bolt stores do), not only while the
// conversation lives: a webhook the provider delivers again a day later
// is not a new message.
func TestInboxDedupeOutlivesAShortTTL(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		s := open(t, kind, WithTTL(time.Hour), WithInboxDedupe(48*time.Hour))
		in := flows.Inbound{ID: "wamid.1", ConversationID: "c", Input: flows.Input{Kind: flows.InputMessage, Text: "hi"}}
		if ok, err := s.Accept(ctx, in); !ok || err != nil {
			t.Fatal(ok, err)
		}
		// A turn, then a claim and a settle: every script sets expiries.
		if err := s.Save(ctx, &flows.Session{ID: "c"}, flows.Commit{Done: []string{"wamid.1"}, Outbox: []flows.OutboxItem{{ID: "r1", Kind: flows.OutboxReply}}}); err != nil {
			t.Fatal(err)
		}
		items, err := s.Claim(ctx, time.Now(), time.Minute, 10)
		if err != nil || len(items) != 1 {
			t.Fatal(items, err)
		}
		items[0].Status = flows.OutboxDelivered
		if err := s.Settle(ctx, items[0]); err != nil {
			t.Fatal(err)
		}
		ttl, err := s.c.Do(ctx, s.c.B().Pttl().Key(s.convKey("c", "seen")).Build()).AsInt64()
		if err != nil || ttl < (47*time.Hour).Milliseconds() {
			t.Fatalf("the accepted ids expire in %dms (%v), want the dedupe window's 48h", ttl, err)
		}
		if ttl, _ := s.c.Do(ctx, s.c.B().Pttl().Key(s.convKey("c", "s")).Build()).AsInt64(); ttl <= 0 || ttl > time.Hour.Milliseconds() {
			t.Fatalf("the session expires in %dms, want within the TTL", ttl)
		}
	})
}

// The sweep finds a deployment's conversations whatever its key prefix
// holds: '[', '*', '?' and '\' are glob characters to SCAN's MATCH, and a
// prefix "bot[1]" matched only "bot1"'s keys, so after a crash its own
// conversations waited for ever and another deployment's were swept.
func TestClusterSweepGlobPrefix(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	uniq := time.Now().Format("150405.000000")
	glob := open(t, "cluster", WithPrefix("g[1]*?\\"+uniq), WithClock(func() time.Time { return now }))
	plain := open(t, "cluster", WithPrefix("g1*?\\"+uniq), WithClock(func() time.Time { return now }))
	crash := errors.New("crash")
	afterCommitHook = func(string) error { return crash }
	for _, s := range []*Store{glob, plain} {
		if err := s.Save(ctx, &flows.Session{ID: "c"}, flows.Commit{Outbox: []flows.OutboxItem{{ID: "r1", Kind: flows.OutboxReply}}}); err != nil {
			afterCommitHook = nil
			t.Fatal(err)
		}
	}
	afterCommitHook = nil
	if n, err := glob.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("the sweep of prefix %q published %d (%v), want its 1 conversation", glob.prefix, n, err)
	}
	if got, _ := glob.Claim(ctx, now, time.Minute, 10); ids(got) != "r1" {
		t.Fatalf("after the sweep claimed %q", ids(got))
	}
	if got, _ := plain.Claim(ctx, now, time.Minute, 10); len(got) != 0 {
		t.Fatalf("the other deployment's item was published by this one's sweep: %q", ids(got))
	}
}
