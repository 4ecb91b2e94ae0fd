package host

import (
	"context"
	"testing"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

// A turn worker delivers its turn's handoff items itself, unless Run is
// not running or stopping, or enough workers are delivering already:
// then they are left to the handoff worker.
func TestTurnWorkerDeliversHandoffs(t *testing.T) {
	st := memory.New()
	h, err := New(st, WithSandboxHTTP(), WithWorkers(4))
	if err != nil {
		t.Fatal(err)
	}
	a := &Account{Channel: flows.ChannelWeb, Name: "site", Sender: &fakeChannel{}}
	if err := h.AddAccount(a, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml")); err != nil {
		t.Fatal(err)
	}
	const conv = "web:site:v1"
	in := flows.Inbound{ConversationID: conv, Channel: flows.ChannelWeb, Account: "site", Contact: flows.Contact{ID: "v1"}}
	if _, err := h.Turn(t.Context(), conv, flows.Input{Kind: flows.InputMessage, Text: "agent"}, h.create(a, in)); err != nil {
		t.Fatal(err)
	}
	pending := func() int {
		items, err := st.OutboxOf(flows.OutboxOpen).List(t.Context(), flows.OutboxPending)
		if err != nil {
			t.Fatal(err)
		}
		return len(items)
	}
	if pending() != 1 {
		t.Fatalf("%d open items pending after the handoff turn, want 1", pending())
	}
	stopped, cancel := context.WithCancel(t.Context())
	cancel()
	h.runCtx = stopped
	h.deliverHandoffs()
	if pending() != 1 || len(h.Capture().Tickets()) != 0 {
		t.Fatal("a stopping host delivered in the turn worker")
	}
	h.runCtx = t.Context()
	if cap(h.delivering) != 1 {
		t.Fatalf("4 workers may deliver %d at once, want 1", cap(h.delivering))
	}
	h.delivering <- struct{}{} // another worker is at the helpdesk
	h.deliverHandoffs()
	if pending() != 1 || len(h.Capture().Tickets()) != 0 {
		t.Fatal("more workers than allowed delivered at once")
	}
	<-h.delivering
	h.deliverHandoffs()
	if pending() != 0 || len(h.Capture().Tickets()) != 1 {
		t.Fatalf("the turn worker left %d open items, %d tickets", pending(), len(h.Capture().Tickets()))
	}
	if len(h.delivering) != 0 {
		t.Fatal("the worker kept its delivery slot")
	}
}
