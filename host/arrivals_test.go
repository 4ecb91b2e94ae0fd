package host

import (
	"context"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

// Two messages of a conversation accepted before either is claimed: the
// inbox hands out the first only, and the end of its turn wakes the
// claims for the second, long before the next poll.
func TestTurnWakesForTheConversationsNextMessage(t *testing.T) {
	h, err := New(memory.New(), WithSandboxHTTP(), WithPoll(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ch := &fakeChannel{}
	if err := h.AddAccount(&Account{Channel: flows.ChannelWeb, Name: "site", Sender: ch}, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"m1", "m2"} {
		if err := h.Receive(t.Context(), flows.Inbound{ID: id, Channel: flows.ChannelWeb, Account: "site",
			Contact: flows.Contact{ID: "v1"}, Input: flows.Input{Kind: flows.InputMessage, Text: "hello"}}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "the second message's turn", func() bool {
		s, err := h.Store().Load(context.Background(), "web:site:v1")
		return err == nil && s.Turns == 2
	})
	if h.mayWait("web:site:v1") {
		t.Error("both messages were handled, yet the conversation may still have one waiting")
	}
}
