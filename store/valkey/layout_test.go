package valkey

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// sevenFieldLease is the lease id a process of the Baton before the
// creation stamps read in an item's meta: its applyMeta split the meta in
// at most seven fields and read the seventh as the claim count, 0 when
// that was not a number.
func sevenFieldLease(meta string) int64 {
	f := strings.SplitN(meta, "\x1f", 7)
	if len(f) != 7 {
		return 0
	}
	n, _ := strconv.ParseInt(f[6], 10, 64)
	return n
}

// A process of the Baton before the creation stamps, sharing the Valkey
// in a rolling upgrade, reads the lease of every item this version
// writes (saved, claimed, settled back to pending, claimed again): its
// settle then checks that it still holds the lease, rather than settling
// an item another process claimed since.
func TestSevenFieldReaderReadsTheLease(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		now := time.Unix(1700000000, 0)
		s := open(t, kind, WithClock(func() time.Time { return now }))
		if err := s.Save(ctx, &flows.Session{ID: "c"}, flows.Commit{Outbox: []flows.OutboxItem{
			{ID: "o1", Kind: flows.OutboxOpen, HandoffID: "h1", CreatedAt: now},
			{ID: "r1", Kind: flows.OutboxReply, CreatedAt: now},
		}}); err != nil {
			t.Fatal(err)
		}
		meta := func(id string) string {
			t.Helper()
			m, err := s.c.Do(ctx, s.c.B().Hget().Key(s.convKey("c", "om")).Field(id).Build()).ToString()
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		for round := range 2 {
			got, err := s.Claim(ctx, now, time.Minute, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 {
				t.Fatalf("round %d: claimed %d items, want 2", round, len(got))
			}
			for _, it := range got {
				if it.LeaseID == 0 {
					t.Fatalf("round %d: %s claimed without a lease id", round, it.ID)
				}
				if old := sevenFieldLease(meta(it.ID)); old != it.LeaseID {
					t.Errorf("round %d: a process of the earlier version reads lease %d of %s, this one %d (meta %q)", round, old, it.ID, it.LeaseID, meta(it.ID))
				}
				it.Attempts++
				it.NextAt = now
				if err := s.Settle(ctx, it); err != nil { // pending again: a retry
					t.Fatal(err)
				}
			}
			now = now.Add(2 * time.Minute)
		}
	})
}

// metas is conversation conv's item hash: metas and creation stamps.
func metas(ctx context.Context, t *testing.T, s *Store, conv string) map[string]string {
	t.Helper()
	m, err := s.c.Do(ctx, s.c.B().Hgetall().Key(s.convKey(conv, "om")).Build()).AsStrMap()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Items the version between wrote, their creation stamp as the meta's
// eighth field, are read as they were (leases, pending counts and their
// oldest), and every script of this version that writes one files its
// stamp apart, leaving the seven fields a process of the version before
// reads; an item the retention drops takes its stamp with it.
func TestEightFieldItemsAreRead(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		now := time.Unix(1700000000, 0)
		s := open(t, kind, WithClock(func() time.Time { return now }), WithDeliveredRetention(1))
		t0 := time.Date(2026, 12, 7, 10, 0, 0, 123456789, time.UTC)
		items := []flows.OutboxItem{
			{ID: "r1", Kind: flows.OutboxReply, CreatedAt: t0},
			{ID: "r2", Kind: flows.OutboxReply, CreatedAt: t0.Add(time.Second)},
			{ID: "r3", Kind: flows.OutboxReply, CreatedAt: t0.Add(2 * time.Second)},
			{ID: "o1", Kind: flows.OutboxOpen, HandoffID: "h1", CreatedAt: t0.Add(3 * time.Second)},
			{ID: "a1", Kind: flows.OutboxAppend, HandoffID: "h1", CreatedAt: t0.Add(4 * time.Second)},
		}
		if err := s.Save(ctx, &flows.Session{ID: "e"}, flows.Commit{Outbox: items}); err != nil {
			t.Fatal(err)
		}
		claimed, err := s.Claim(ctx, now, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		// As the version between left them.
		om := s.convKey("e", "om")
		for id, m := range metas(ctx, t, s, "e") {
			if item, ok := strings.CutSuffix(id, "\x1fcr"); ok {
				if err := s.c.Do(ctx, s.c.B().Hset().Key(om).FieldValue().FieldValue(item, metas(ctx, t, s, "e")[item]+"\x1f"+m).Build()).Error(); err != nil {
					t.Fatal(err)
				}
				if err := s.c.Do(ctx, s.c.B().Hdel().Key(om).Field(id).Build()).Error(); err != nil {
					t.Fatal(err)
				}
			}
		}
		for id, m := range metas(ctx, t, s, "e") {
			if strings.Count(m, "\x1f") != 7 || strings.HasSuffix(id, "\x1fcr") {
				t.Fatalf("not the version between's layout: %q: %q", id, m)
			}
		}
		want := pendingOf(ctx, t, s)
		samePending(ctx, t, s, "the version between's items", want)
		listed, err := s.List(ctx, flows.OutboxPending)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range claimed {
			if l := byID(t, listed, c.ID); l.LeaseID != c.LeaseID || l.LeaseID == 0 {
				t.Errorf("%s listed with lease %d, claimed with %d", c.ID, l.LeaseID, c.LeaseID)
			}
		}

		// r1 delivered, o1 dead (a1 with it), r2 claimed and delivered:
		// r1 goes past the retention of one delivered item.
		r1, o1 := byID(t, claimed, "r1"), byID(t, claimed, "o1")
		r1.Status = flows.OutboxDelivered
		if err := s.Settle(ctx, r1); err != nil {
			t.Fatal(err)
		}
		o1.Status, o1.LastError = flows.OutboxDead, "401"
		if err := s.Settle(ctx, o1); err != nil {
			t.Fatal(err)
		}
		now = now.Add(2 * time.Minute)
		again, err := s.Claim(ctx, now, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		r2 := byID(t, again, "r2")
		if old := sevenFieldLease(metas(ctx, t, s, "e")["r2"]); old != r2.LeaseID {
			t.Errorf("a process of the version before reads lease %d of r2, this one %d", old, r2.LeaseID)
		}
		r2.Status = flows.OutboxDelivered
		if err := s.Settle(ctx, r2); err != nil {
			t.Fatal(err)
		}
		want = pendingOf(ctx, t, s)
		if want[flows.OutboxReply].Count != 1 || !want[flows.OutboxReply].Oldest.Equal(t0.Add(2*time.Second)) || len(want) != 1 {
			t.Fatalf("pending after: %v", want)
		}
		samePending(ctx, t, s, "after this version's scripts", want)
		got := metas(ctx, t, s, "e")
		if _, ok := got["r1"]; ok {
			t.Error("r1 kept past the retention")
		}
		if st, ok := got["r1\x1fcr"]; ok {
			t.Errorf("r1's creation stamp %q kept past the retention", st)
		}
		for _, it := range items[1:] {
			if m := got[it.ID]; strings.Count(m, "\x1f") != 6 || got[it.ID+"\x1fcr"] != createdStamp(it.CreatedAt) {
				t.Errorf("%s after this version wrote it: meta %q, stamp %q, want seven fields and %s", it.ID, m, got[it.ID+"\x1fcr"], createdStamp(it.CreatedAt))
			}
		}
		if len(got) != 2*(len(items)-1) {
			t.Errorf("the item hash holds %d fields, want %d: %q", len(got), 2*(len(items)-1), got)
		}
	})
}
