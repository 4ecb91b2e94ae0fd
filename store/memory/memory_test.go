package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, o storetest.Options) flows.Store {
		return memory.New(memory.WithClock(o.Clock), memory.WithTTL(o.TTL),
			memory.WithDeliveredRetention(o.KeepDelivered, 0), memory.WithInboxDedupe(o.InboxDedupe))
	})
}

// TestSweep: expired conversations are deleted, not only hidden.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	m := memory.New(memory.WithClock(clock.Now), memory.WithTTL(time.Hour))
	for _, id := range []string{"a", "b"} {
		if err := m.Save(ctx, &flows.Session{ID: id}, flows.Commit{}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(30 * time.Minute)
	if n, err := m.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep before the TTL: %d, %v", n, err)
	}
	if err := m.Save(ctx, &flows.Session{ID: "b", Rev: 1}, flows.Commit{}); err != nil {
		t.Fatal(err)
	}
	clock.Add(45 * time.Minute)
	if n, err := m.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep after a's TTL: %d, %v; want 1", n, err)
	}
	if _, err := m.Load(ctx, "b"); err != nil {
		t.Fatalf("b was touched later: %v", err)
	}
}

// TestSharedAndOwned: LoadShared hands out the stored session and
// SaveOwned keeps the one it is given, for engine.Handle; Load and Save
// copy.
func TestSharedAndOwned(t *testing.T) {
	ctx := context.Background()
	m := memory.New()
	s := &flows.Session{ID: "c", State: "a"}
	if err := m.SaveOwned(ctx, s, flows.Commit{}); err != nil {
		t.Fatal(err)
	}
	shared, err := m.LoadShared(ctx, "c")
	if err != nil || shared != s {
		t.Fatalf("LoadShared: %p %v, want the saved %p", shared, err, s)
	}
	loaded, _ := m.Load(ctx, "c")
	if loaded == s {
		t.Fatal("Load returned the stored session")
	}
}
