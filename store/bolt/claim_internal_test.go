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
