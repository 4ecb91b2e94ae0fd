package host

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
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
