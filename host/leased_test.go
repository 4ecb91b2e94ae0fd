package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

const leasedConv = "web:site:v1"

// leasedReplies saves a conversation with n replies leased until until,
// as a turn's save does, and returns the claim.
func leasedReplies(t *testing.T, st flows.Store, now, until time.Time, n int) flows.ReplyClaim {
	t.Helper()
	var items []flows.OutboxItem
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("%s-reply-%d", leasedConv, i)
		items = append(items, flows.OutboxItem{ID: id, Kind: flows.OutboxReply, ConversationID: leasedConv, CreatedAt: now,
			Outbound: &flows.Outbound{ID: id, ConversationID: leasedConv, To: flows.Contact{ID: "v1"}, Reply: flows.Reply{Text: fmt.Sprint("reply ", i), From: "bot"}}})
	}
	s := &flows.Session{ID: leasedConv, Flow: "shop", State: "start", Lifecycle: flows.LifecycleBot, CreatedAt: now, UpdatedAt: now}
	claim := &flows.ReplyClaim{Until: until}
	if err := st.Save(context.Background(), s, flows.Commit{Outbox: items, Claim: claim}); err != nil {
		t.Fatal(err)
	}
	if len(claim.Items) != n {
		t.Fatalf("the save leased %d replies, want %d", len(claim.Items), n)
	}
	return *claim
}

// claimable is what a reply worker would claim at at.
func claimable(t *testing.T, st flows.Store, at time.Time) []string {
	t.Helper()
	items, err := st.OutboxOf(flows.OutboxReply).Claim(context.Background(), at, time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

// A turn's worker sends the replies its save leased to it only while
// their lease outlasts a send and its settle: once the lease ends another
// worker may claim a reply and send it again. The rest go back to the
// outbox, in order, for the reply worker.
func TestLeasedRepliesOnlyWithinTheirLease(t *testing.T) {
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		until     time.Time
		sent      []string
		claimable []string
	}{
		{"a full lease", now.Add(time.Minute), []string{"reply 1", "reply 2"}, nil},
		{"a lease a send could outlast", now.Add(replyTimeout), nil, []string{leasedConv + "-reply-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := func() time.Time { return now }
			st := memory.New(memory.WithClock(clock))
			h, ch := webHost(t, st, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml"), WithClock(clock))
			h.sendLeased(context.Background(), leasedReplies(t, st, now, tc.until, 2))
			if got := ch.texts(); !slices.Equal(got, tc.sent) {
				t.Errorf("sent %q, want %q", got, tc.sent)
			}
			if got := claimable(t, st, now); !slices.Equal(got, tc.claimable) {
				t.Errorf("claimable at once: %q, want %q", got, tc.claimable)
			}
		})
	}
}

// failingSettle is a store whose settle of one item fails, with err or
// an unreachable store's error.
type failingSettle struct {
	flows.Store
	id  string
	err error
}

func (s failingSettle) Settle(ctx context.Context, it flows.OutboxItem) error {
	if it.ID == s.id {
		if s.err != nil {
			return s.err
		}
		return errors.New("the store is unreachable")
	}
	return s.Store.Settle(ctx, it)
}

// A reply whose settle failed stays pending and goes again when its
// lease ends: the turn's later replies must not overtake it, so the
// turn's worker stops there and they wait behind it.
func TestLeasedRepliesStopAtAFailedSettle(t *testing.T) {
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	mem := memory.New(memory.WithClock(clock))
	st := failingSettle{Store: mem, id: leasedConv + "-reply-1"}
	h, ch := webHost(t, st, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml"), WithClock(clock))
	h.sendLeased(context.Background(), leasedReplies(t, mem, now, now.Add(time.Minute), 2))
	if got := ch.texts(); !slices.Equal(got, []string{"reply 1"}) {
		t.Errorf("sent %q, want only the first reply", got)
	}
	if got := claimable(t, mem, now); len(got) != 0 {
		t.Errorf("claimable at once: %q, want nothing (the second reply waits behind the first)", got)
	}
	if got := claimable(t, mem, now.Add(time.Minute+time.Second)); !slices.Equal(got, []string{leasedConv + "-reply-1"}) {
		t.Errorf("claimable after the lease: %q, want the first reply again, before the second", got)
	}
}

// A reply settled after the worker's lease ran out, once another worker
// claimed it (flows.ErrLeaseLost), is the other worker's: the log says
// the customer may get it twice, not that it "may be sent again when its
// lease ends", and this worker stops there as for any failed settle.
func TestLeasedReplyLeaseLost(t *testing.T) {
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	mem := memory.New(memory.WithClock(clock))
	st := failingSettle{Store: mem, id: leasedConv + "-reply-1", err: fmt.Errorf("memory store: %w", flows.ErrLeaseLost)}
	var logs bytes.Buffer
	h, ch := webHost(t, st, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml"), WithClock(clock),
		WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	h.sendLeased(context.Background(), leasedReplies(t, mem, now, now.Add(time.Minute), 2))
	if got := ch.texts(); !slices.Equal(got, []string{"reply 1"}) {
		t.Errorf("sent %q, want only the first reply", got)
	}
	if out := logs.String(); !strings.Contains(out, "another worker") || strings.Contains(out, "may be sent again") {
		t.Errorf("log = %s, want the reply said to be another worker's", out)
	}
}
