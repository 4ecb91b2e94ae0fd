package bolt

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/batonbot/baton/flows"
)

// A poll that finds nothing to claim does not write (a bbolt write syncs
// the file, empty or not: an idle server polling its inbox kept the disk
// busy, and a busy disk slowed every real write behind the polls).
func TestInboxClaimWritesOnlyWhatItClaims(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, now := context.Background(), time.Now()
	txid := func() int {
		var id int
		if err := s.db.View(func(tx *bbolt.Tx) error { id = tx.ID(); return nil }); err != nil {
			t.Fatal(err)
		}
		return id
	}
	claim := func() []flows.InboxEntry {
		es, err := s.Inbox().Claim(ctx, now, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	before := txid()
	if es := claim(); len(es) != 0 {
		t.Fatalf("claimed %+v from an empty inbox", es)
	}
	if got := txid(); got != before {
		t.Errorf("claiming from an empty inbox wrote %d transactions", got-before)
	}
	if ok, err := s.Inbox().Accept(ctx, flows.Inbound{ID: "m1", ConversationID: "web:site:v1", Input: flows.Input{Kind: flows.InputMessage, Text: "hi"}}); !ok || err != nil {
		t.Fatalf("accept: %v %v", ok, err)
	}
	before = txid()
	if es := claim(); len(es) != 1 || es[0].Attempts != 1 {
		t.Fatalf("claimed %+v, want m1 at its first attempt", es)
	}
	if got := txid(); got != before+1 {
		t.Errorf("a claim wrote %d transactions, want 1 (the attempt)", got-before)
	}
	before = txid()
	if es := claim(); len(es) != 0 {
		t.Fatalf("claimed the leased m1 again: %+v", es)
	}
	if got := txid(); got != before {
		t.Errorf("claiming only leased entries wrote %d transactions", got-before)
	}
}

// The leases of entries that went without a turn (deleted, or dropped
// past the TTL) are forgotten by the sweep once they end; live ones stay.
func TestSweepForgetsEndedInboxLeases(t *testing.T) {
	now := time.Now()
	s, err := Open(filepath.Join(t.TempDir(), "baton.db"), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, id := range []string{"a1", "b1"} {
		if ok, err := s.Inbox().Accept(ctx, flows.Inbound{ID: id, ConversationID: "web:site:" + id, Input: flows.Input{Kind: flows.InputMessage, Text: "hi"}}); !ok || err != nil {
			t.Fatalf("accept %s: %v %v", id, ok, err)
		}
	}
	if es, err := s.Inbox().Claim(ctx, now, time.Minute, 10); err != nil || len(es) != 2 {
		t.Fatalf("claimed %v, %v", es, err)
	}
	if err := s.Delete(ctx, "web:site:a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if len(s.inboxLeases) != 2 {
		t.Fatalf("live leases %v, want both kept", s.inboxLeases)
	}
	now = now.Add(2 * time.Minute)
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if len(s.inboxLeases) != 0 {
		t.Errorf("ended leases kept: %v", s.inboxLeases)
	}
}
