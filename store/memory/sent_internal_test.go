package memory

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The SentLog keeps at most maxSent messages: recording one more forgets
// the oldest, and an expired one leaves with the sweep.
func TestSentLogBounded(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	m := New(WithClock(func() time.Time { return now }))
	m.maxSent = 3
	for i := range 5 {
		if err := m.RecordSent(ctx, "whatsapp", fmt.Sprint("w", i), fmt.Sprint("c", i), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.RecordSent(ctx, "whatsapp", "w4", "c4", time.Hour); err != nil { // again: still one
		t.Fatal(err)
	}
	for i, want := range []string{"", "", "c2", "c3", "c4"} {
		if got, _ := m.SentConversation(ctx, "whatsapp", fmt.Sprint("w", i)); got != want {
			t.Errorf("w%d: got %q, want %q", i, got, want)
		}
	}
	if len(m.sent) != 3 || len(m.sentOrder) != 3 {
		t.Fatalf("holds %d messages, %d in order; want 3", len(m.sent), len(m.sentOrder))
	}
	now = now.Add(time.Hour)
	if _, err := m.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if len(m.sent) != 0 || len(m.sentOrder) != 0 {
		t.Fatalf("after the ttl the sweep left %d messages, %d in order", len(m.sent), len(m.sentOrder))
	}
}
