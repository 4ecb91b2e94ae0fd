package host

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/valkey"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

// savedTimer saves a session of conversation with one timer, due at at.
func savedTimer(t *testing.T, st flows.Store, conversation, key string, at time.Time) {
	t.Helper()
	s := &flows.Session{ID: conversation, Channel: flows.ChannelWeb, Lifecycle: flows.LifecycleBot, State: "start",
		Vars: map[string]any{}, CreatedAt: at, UpdatedAt: at}
	if err := st.Save(context.Background(), s, flows.Commit{Timers: []flows.Timer{{Key: key, ConversationID: conversation, At: at}}}); err != nil {
		t.Fatal(err)
	}
}

// The timers of conversations whose account this process does not serve
// (removed from the config, or served by another process) stay due, but
// they must not take the places of the others: with as many of them due
// first as there are workers, every read of the due timers returned only
// them, and no other timer (no-reply timeouts, HTTP watchdogs, SLA
// alerts) fired any more.
func TestTimersOfAnUnservedAccountDoNotHoldUpOthers(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st := memory.New(memory.WithClock(clock))
	for i, c := range []string{"web:gone:v1", "web:gone:v2", "web:gone:v3"} {
		savedTimer(t, st, c, "reminder", now.Add(time.Duration(i)*time.Second))
	}
	const served = "web:site:v1"
	savedTimer(t, st, served, "reminder", now.Add(10*time.Second))
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()

	h, _ := webHost(t, st, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml"), WithClock(clock), WithWorkers(2),
		WithPoll(5*time.Millisecond), WithSandboxHTTP())
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	defer func() { stop(); <-done }()
	waitFor(t, "the served conversation's timer to fire", func() bool {
		due, err := st.Due(context.Background(), clock(), 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range due {
			if d.ConversationID == served {
				return false
			}
		}
		return true
	})
	due, _ := st.Due(context.Background(), clock(), 10)
	if len(due) != 3 {
		t.Errorf("the unserved account's timers should stay due (another process may serve it): %+v", due)
	}
}

// failingTurns fails the saves of turns (those that lease replies, as the
// engine's do), not the host's own commits.
type failingTurns struct{ flows.Store }

func (s failingTurns) Save(ctx context.Context, ss *flows.Session, c flows.Commit) error {
	if c.Claim != nil {
		return errors.New("the turn's save failed")
	}
	return s.Store.Save(ctx, ss, c)
}

// claimRound runs one claim of the due timers and their turns, in the
// caller's goroutine; it returns how many turns started and whether the
// claim came back full.
func claimRound(h *Host) (int, bool) {
	ctx := context.Background()
	tasks := make(chan turnTask, h.workers)
	more := h.claimTurns(ctx, tasks, true)
	close(tasks)
	n := 0
	for task := range tasks {
		n++
		h.runTask(ctx, task)
	}
	return n, more
}

// A timer whose turn kept failing stayed due and was fired again on every
// poll; with as many of them as workers each claim came back full, so
// the turn loop claimed again at once, without end (CPU, and a log line
// each time). Now its due time moves later in the store, twice as far
// each time, and after the host's attempts it is dropped, logged.
func TestAFailingTimerBacksOffAndIsDropped(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	mem := memory.New(memory.WithClock(clock))
	const conv = "web:site:v1"
	savedTimer(t, mem, conv, "reminder", now)
	var logs bytes.Buffer
	h, _ := webHost(t, failingTurns{mem}, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml"), WithClock(clock), WithWorkers(1),
		WithSandboxHTTP(), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx := context.Background()

	if n, _ := claimRound(h); n != 1 {
		t.Fatalf("the due timer should fire once, fired %d", n)
	}
	if n, more := claimRound(h); n != 0 || more {
		t.Fatalf("a failed timer fired again at once (%d turns, full claim %v): it should wait", n, more)
	}
	due, _ := mem.Due(ctx, clock().Add(timerBackoff), 10)
	if len(due) != 1 || !due[0].At.Equal(clock().Add(timerBackoff)) {
		t.Fatalf("the failed timer should be due again in %v, in the store: %+v", timerBackoff, due)
	}
	fired := 1
	for range 20 {
		advance(maxTimerBackoff)
		n, _ := claimRound(h)
		fired += n
		if n == 0 {
			break
		}
	}
	if fired != h.maxAttempts {
		t.Errorf("the timer fired %d times; want %d, then dropped", fired, h.maxAttempts)
	}
	if due, _ := mem.Due(ctx, clock().Add(24*time.Hour), 10); len(due) != 0 {
		t.Errorf("the timer should be dropped after %d attempts: %+v", h.maxAttempts, due)
	}
	if !strings.Contains(logs.String(), "level=ERROR msg=\"a timer's turn failed every attempt; the timer is dropped\"") {
		t.Errorf("the dropped timer should be logged as an error:\n%s", logs.String())
	}
}

// The failures of a timer were counted in the memory of the process
// that saw them: with several processes on one store taking the timer in
// turn, or a process restarted (a crash loop), each failure was the
// first, so the timer came back every 10 seconds for ever instead of
// backing off and being dropped after the host's attempts (docs/serve.md).
// Each round here is a process of its own on the same store.
func TestAFailingTimerIsCountedAcrossProcesses(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T, clock func() time.Time) flows.Store
	}{
		{"memory", func(t *testing.T, clock func() time.Time) flows.Store { return memory.New(memory.WithClock(clock)) }},
		{"bolt", func(t *testing.T, clock func() time.Time) flows.Store {
			st, err := bolt.Open(filepath.Join(t.TempDir(), "baton.db"), bolt.WithClock(clock), bolt.WithNoSync())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}},
		{"valkey", func(t *testing.T, clock func() time.Time) flows.Store {
			st, err := valkey.NewStore(context.Background(), valkeytest.Start(t).URL, valkey.WithClock(clock))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}},
	}
	for _, tt := range stores {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
			st := tt.open(t, clock)
			const conv = "web:site:v1"
			savedTimer(t, st, conv, "reminder", now)
			flow := loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml")
			ctx := context.Background()
			fired, last := 0, clock()
			var waits []time.Duration
			for range 20 {
				h, _ := webHost(t, failingTurns{st}, flow, WithClock(clock), WithWorkers(1), WithSandboxHTTP(),
					WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
				due, _ := st.Due(ctx, clock().Add(24*time.Hour), 10)
				if len(due) == 0 {
					break
				}
				if fired > 0 {
					waits = append(waits, due[0].At.Sub(last))
				}
				advance(due[0].At.Sub(clock()))
				last = clock()
				n, _ := claimRound(h)
				fired += n
			}
			if fired != 5 {
				t.Errorf("the timer fired %d times in processes of their own; want 5, then dropped", fired)
			}
			want := []time.Duration{timerBackoff, 2 * timerBackoff, 4 * timerBackoff, 8 * timerBackoff}
			if !slices.Equal(waits, want) {
				t.Errorf("the waits between the failed firings were %v; want %v", waits, want)
			}
		})
	}
}

// A timer that fires when its conversation has no session (it expired
// or was deleted meanwhile) used to delete the conversation, and with it
// the messages its inbox had accepted: a customer who wrote again just
// then lost the message.
func TestATimerOfAConversationWithNoSessionKeepsItsInbox(t *testing.T) {
	ctx := context.Background()
	mem := memory.New()
	h, _ := webHost(t, mem, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml"), WithSandboxHTTP())
	const conv = "web:site:v1"
	in := flows.Inbound{ID: "m1", ConversationID: conv, Channel: flows.ChannelWeb, Contact: flows.Contact{ID: "v1"},
		Input: flows.Input{Kind: flows.InputMessage, Text: "hello"}}
	if ok, err := mem.Inbox().Accept(ctx, in); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := h.fire(ctx, flows.Timer{Key: "reminder", ConversationID: conv, At: time.Now()}); err != nil {
		t.Errorf("a timer of a conversation that is gone is no failure: %v", err)
	}
	entries, err := mem.Inbox().Claim(ctx, time.Now(), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].ID != "m1" {
		t.Errorf("the accepted message should wait for its turn: %+v", entries)
	}
}
