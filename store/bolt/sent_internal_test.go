package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// The SentLog keeps at most maxSent messages: recording one more forgets
// the one expiring first, and an expired one leaves with the sweep, its
// index entry with it.
func TestSentLogBounded(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	s, err := Open(filepath.Join(t.TempDir(), "baton.db"), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.maxSent = 3
	for i := range 5 {
		if err := s.RecordSent(ctx, "whatsapp", fmt.Sprint("w", i), fmt.Sprint("c", i), time.Hour+time.Duration(i)*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordSent(ctx, "whatsapp", "w4", "c4", time.Hour); err != nil { // again: still one
		t.Fatal(err)
	}
	for i, want := range []string{"", "", "c2", "c3", "c4"} {
		if got, _ := s.SentConversation(ctx, "whatsapp", fmt.Sprint("w", i)); got != want {
			t.Errorf("w%d: got %q, want %q", i, got, want)
		}
	}
	count := func() (n uint64, keys, index int) {
		t.Helper()
		if err := s.db.View(func(tx *bbolt.Tx) error {
			b := tx.Bucket(bSent)
			n, keys, index = b.Sequence(), b.Stats().KeyN, tx.Bucket(bSentExp).Stats().KeyN
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return
	}
	if n, keys, index := count(); n != 3 || keys != 3 || index != 3 {
		t.Fatalf("counted %d, holds %d messages and %d index entries; want 3", n, keys, index)
	}
	now = now.Add(2 * time.Hour)
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n, keys, index := count(); n != 0 || keys != 0 || index != 0 {
		t.Fatalf("after the ttl: counted %d, holds %d messages and %d index entries; want 0", n, keys, index)
	}
}
