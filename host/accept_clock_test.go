package host

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

// A channel of one's own (flows.Receiver) that dates a message's turn
// with its provider's timestamp, as WhatsApp and Telegram did, brought
// the bug back: a message delivered hours late had its timeouts due at
// once, one dated ahead held the timers and events there. The host runs
// such a turn on its own clock at accept, and says so once per account;
// a time within a small skew of the host's (the adapter's receive time)
// and a zero one (the host's clock at the turn) are kept.
func TestAcceptRunsOffClockTurnsOnTheHostClock(t *testing.T) {
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	st := memory.New(memory.WithClock(func() time.Time { return now }))
	h, err := New(st, WithClock(func() time.Time { return now }), WithLogger(NewLogger(&logs, 0, false)))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AddAccount(&Account{Channel: flows.ChannelWeb, Name: "site", Sender: &fakeChannel{}}, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id     string
		at     time.Time
		turnAt time.Time
	}{
		{"late", now.Add(-5 * time.Hour), now},
		{"ahead", now.Add(48 * time.Hour), now},
		{"received", now.Add(-2 * time.Second), now.Add(-2 * time.Second)},
		{"zero", time.Time{}, time.Time{}},
	} {
		ctx := context.Background()
		in := flows.Inbound{ID: tc.id, Channel: flows.ChannelWeb, Account: "site", Contact: flows.Contact{ID: tc.id},
			Input: flows.Input{Kind: flows.InputMessage, Text: "hi", At: tc.at}, At: tc.at}
		if err := h.Receive(ctx, in); err != nil {
			t.Fatal(err)
		}
		entries, err := st.Inbox().Claim(ctx, now, time.Minute, 10)
		if err != nil || len(entries) != 1 {
			t.Fatalf("%s: %d entries, %v", tc.id, len(entries), err)
		}
		if got := entries[0].Inbound; !got.Input.At.Equal(tc.turnAt) || !got.At.Equal(tc.at) {
			t.Errorf("%s: the turn at %v, the provider's time %v; want the turn at %v, the provider's time %v kept", tc.id, got.Input.At, got.At, tc.turnAt, tc.at)
		}
	}
	if n := strings.Count(logs.String(), "dated a message's turn"); n != 1 {
		t.Errorf("said %d times, want once:\n%s", n, logs.String())
	}
}
