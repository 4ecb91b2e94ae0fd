package host

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/storetest"
)

// blockingTransport never answers until released: the process "dies"
// during the call.
type blockingTransport struct {
	release chan struct{}
	calls   atomic.Int32
}

func (b *blockingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	b.calls.Add(1)
	select {
	case <-b.release:
	case <-r.Context().Done():
	}
	return nil, context.Canceled
}

// webHost is a host on st serving flow on the web account "site".
func webHost(t *testing.T, st flows.Store, flow *flows.Flow, opts ...Option) (*Host, *fakeChannel) {
	t.Helper()
	h, err := New(st, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ch := &fakeChannel{}
	if err := h.AddAccount(&Account{Channel: flows.ChannelWeb, Name: "site", Sender: ch}, flow); err != nil {
		t.Fatal(err)
	}
	return h, ch
}

// A process that stops between an HTTP action's call and feeding its
// result back leaves the conversation waiting for it; the watchdog saved
// with that turn makes the next process (or another one on the store) go
// on as if the call failed, so the customer gets an answer.
func TestHTTPCallLostInACrash(t *testing.T) {
	st := memory.New()
	flow := loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml")
	var mu sync.Mutex
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	block := &blockingTransport{release: make(chan struct{})}
	t.Cleanup(func() { close(block.release) })

	// The first process takes the turns up to the order lookup, whose call
	// never returns; then it is gone (its workers are abandoned, as in a
	// kill -9: nothing after the save of the turn runs).
	first, _ := webHost(t, st, flow, WithClock(clock), WithPoll(5*time.Millisecond),
		WithHTTP(NewHTTPCaller(HTTPClient(&http.Client{Transport: block}))))
	ctx1, kill := context.WithCancel(context.Background())
	go first.Run(ctx1) //nolint:errcheck // abandoned: the process "died"
	t.Cleanup(kill)
	for i, m := range []flows.Input{{Kind: flows.InputMessage, Text: "hello"}, {Kind: flows.InputMessage, Payload: "order"}, {Kind: flows.InputMessage, Text: "A12345"}} {
		if err := first.Receive(context.Background(), flows.Inbound{ID: "m" + string(rune('1'+i)), Channel: flows.ChannelWeb, Account: "site",
			Contact: flows.Contact{ID: "v1", Name: "Anna"}, Input: m}); err != nil {
			t.Fatal(err)
		}
	}
	const conv = "web:site:v1"
	waitFor(t, "the lookup under way", func() bool {
		s, err := st.Load(context.Background(), conv)
		return err == nil && s.Pending != nil && block.calls.Load() == 1
	})
	s, _ := st.Load(context.Background(), conv)
	kill()

	// The next process starts after the call's timeout (the flow's 10s)
	// and the watchdog's grace.
	mu.Lock()
	now = now.Add(10*time.Second + engine.HTTPWatchdogGrace + time.Second)
	mu.Unlock()
	second, ch2 := webHost(t, st, flow, WithClock(clock), WithPoll(5*time.Millisecond), WithSandboxHTTP())
	ctx2, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = second.Run(ctx2) }()
	defer func() { stop(); <-done }()
	waitFor(t, "the flow going on without the lookup", func() bool {
		s, err := st.Load(context.Background(), conv)
		return err == nil && s.Pending == nil && s.Lifecycle == flows.LifecycleHandedOff
	})
	waitFor(t, "the ticket", func() bool { return len(second.Capture().Tickets()) == 1 })
	if block.calls.Load() != 1 {
		t.Errorf("the lost call was made %d times; an HTTP action is carried out at most once", block.calls.Load())
	}
	if tk := second.Capture().Tickets()[0]; tk.Handoff.ConversationID != conv {
		t.Errorf("ticket %+v", tk.Handoff)
	}
	waitFor(t, "the customer told", func() bool { return len(ch2.texts()) > 0 })
	if got := strings.Join(ch2.texts(), "|"); strings.Contains(got, "arrives on") {
		t.Errorf("the lost call's answer was made up: %s", got)
	}
	if s.Pending == nil {
		t.Fatal("the first process did not save the pending call")
	}
}

// blockingChannel takes sends and never finishes them until released: the
// process "dies" during the send.
type blockingChannel struct {
	release chan struct{}
	calls   atomic.Int32
}

func (b *blockingChannel) Send(ctx context.Context, _ flows.Outbound) error {
	b.calls.Add(1)
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return context.Canceled
}

// A turn's save leases its replies to the worker that sends them; a
// process that dies before the send leaves them leased, and once the
// lease ends another process (or this one restarted) sends them.
func TestLeasedReplyLostInACrash(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
	block := &blockingChannel{release: make(chan struct{})}
	t.Cleanup(func() { close(block.release) })
	st := memory.New()
	flow := loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml")
	first, err := New(st, WithClock(clock.Now), WithPoll(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := first.AddAccount(&Account{Channel: flows.ChannelWeb, Name: "site", Sender: block}, flow); err != nil {
		t.Fatal(err)
	}
	ctx1, kill := context.WithCancel(context.Background())
	go first.Run(ctx1) //nolint:errcheck // abandoned: the process "died"
	t.Cleanup(kill)
	if err := first.Receive(context.Background(), flows.Inbound{ID: "m1", Channel: flows.ChannelWeb, Account: "site",
		Contact: flows.Contact{ID: "v1", Name: "Anna"}, Input: flows.Input{Kind: flows.InputMessage, Text: "hello"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first send under way", func() bool { return block.calls.Load() == 1 })
	kill()
	pending, err := st.OutboxOf(flows.OutboxReply).List(context.Background(), flows.OutboxPending)
	if err != nil || len(pending) == 0 {
		t.Fatalf("the turn's replies: %v, %v", pending, err)
	}

	clock.Add(time.Minute) // the default lease
	second, ch2 := webHost(t, st, flow, WithClock(clock.Now), WithPoll(5*time.Millisecond))
	ctx2, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = second.Run(ctx2) }()
	defer func() { stop(); <-done }()
	waitFor(t, "the replies sent by the second process", func() bool { return len(ch2.texts()) == len(pending) })
	ch2.mu.Lock()
	for i, m := range ch2.sent {
		if m.ID != pending[i].ID {
			t.Errorf("reply %d sent: %s, want %s (in order)", i, m.ID, pending[i].ID)
		}
	}
	ch2.mu.Unlock()
	if block.calls.Load() != 1 {
		t.Errorf("the first process tried %d sends; its worker died in the first", block.calls.Load())
	}
}
