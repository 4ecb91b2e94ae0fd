package memory_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
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
	shared, tail, err := m.LoadShared(ctx, "c")
	if err != nil || shared != s || !tail {
		t.Fatalf("LoadShared: %p %v %v, want the saved %p and its transcript's tail", shared, tail, err, s)
	}
	if _, tail, _ := m.LoadShared(ctx, "c"); tail {
		t.Fatal("two callers got the tail of one revision")
	}
	next := *s
	if err := m.SaveOwned(ctx, &next, flows.Commit{}); err != nil {
		t.Fatal(err)
	}
	if _, tail, _ := m.LoadShared(ctx, "c"); !tail {
		t.Fatal("the next revision's tail is not granted")
	}
	loaded, _ := m.Load(ctx, "c")
	if loaded == s {
		t.Fatal("Load returned the stored session")
	}
}

// Concurrent turns through engine.Handle on one conversation: none is
// lost, and every saved revision keeps its transcript while later turns
// append in place (run with -race).
func TestHandleConcurrently(t *testing.T) {
	ctx := context.Background()
	f, ds := dsl.LoadFile("../../examples/flows/survey.yaml")
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	e := engine.New(f, engine.WithTranscriptLimit(16))
	m := memory.New()
	create := func() *flows.Session { return e.NewSession("", flows.Contact{ID: "u"}, "web", "en") }
	var wg sync.WaitGroup
	var revs []*flows.Session
	var want []string
	for round := range 10 {
		for i := range 4 {
			wg.Go(func() {
				if _, err := e.Handle(ctx, m, "c", flows.Input{Kind: flows.InputMessage, Text: fmt.Sprint("x", round, i)}, create); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		s, _, err := m.LoadShared(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, s)
		want = append(want, fmt.Sprint(s.Transcript))
	}
	for i, s := range revs {
		if got := fmt.Sprint(s.Transcript); got != want[i] {
			t.Fatalf("revision %d changed", i)
		}
	}
	if last := revs[len(revs)-1]; last.Turns != 40 || int64(last.Turns) != last.Rev {
		t.Fatalf("turns %d rev %d after 40 messages", last.Turns, last.Rev)
	}
}

// An idle conversation is packed by the sweep and comes back the same.
func TestIdlePacked(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	m := memory.New(memory.WithClock(clock.Now))
	want := storetest.RichSession("c1", clock.Now())
	s := storetest.RichSession("c1", clock.Now())
	if err := m.Save(ctx, s, flows.Commit{}); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Minute)
	if _, err := m.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := m.Load(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	want.Rev = 1
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("packed and unpacked:\n got %#v\nwant %#v", got, want)
	}
	if err := m.Save(ctx, got, flows.Commit{}); err != nil || got.Rev != 2 {
		t.Fatalf("saving after unpacking: %v, rev %d", err, got.Rev)
	}
}

// TestIdleExpiryWithoutSaves: a conversation idle past the TTL is
// forgotten though nothing is saved any more; the host's polls for due
// timers are enough.
func TestIdleExpiryWithoutSaves(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	m := memory.New(memory.WithClock(clock.Now), memory.WithTTL(time.Hour))
	if err := m.Save(ctx, &flows.Session{ID: "a"}, flows.Commit{}); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Hour)
	if _, err := m.Due(ctx, clock.Now(), 10); err != nil {
		t.Fatal(err)
	}
	if n := m.Sessions(); n != 0 {
		t.Errorf("after the TTL and a poll the store holds %d conversations, want 0", n)
	}
}
