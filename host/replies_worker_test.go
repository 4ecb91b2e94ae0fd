package host

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

// stuckChannel is a provider whose sends to one customer hang until the
// test lets them go; it records the others.
type stuckChannel struct {
	stuck   string
	release chan struct{}
	started chan struct{} // a send to the stuck customer began

	mu   sync.Mutex
	sent []string // recipients
}

func (c *stuckChannel) Send(_ context.Context, m flows.Outbound) error {
	if m.To.ID == c.stuck {
		c.started <- struct{}{}
		<-c.release // a provider that never answers, and a client without a deadline
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, m.To.ID)
	return nil
}

func (c *stuckChannel) got(to string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sent {
		if s == to {
			return true
		}
	}
	return false
}

// pendingReply saves a conversation of contact with one reply waiting in
// the outbox, for the reply worker.
func pendingReply(t *testing.T, st flows.Store, contact string, now time.Time) {
	t.Helper()
	conv := "web:site:" + contact
	id := conv + "-reply-1"
	s := &flows.Session{ID: conv, Flow: "shop", State: "start", Lifecycle: flows.LifecycleBot, CreatedAt: now, UpdatedAt: now}
	it := flows.OutboxItem{ID: id, Kind: flows.OutboxReply, ConversationID: conv, CreatedAt: now,
		Outbound: &flows.Outbound{ID: id, ConversationID: conv, To: flows.Contact{ID: contact}, Reply: flows.Reply{Text: "hi " + contact, From: "bot"}}}
	if err := st.Save(context.Background(), s, flows.Commit{Outbox: []flows.OutboxItem{it}}); err != nil {
		t.Fatal(err)
	}
}

// A reply whose send hangs holds back no other conversation's reply: the
// reply worker claims again as soon as a sender is idle. It used to wait
// for its whole claim, so one provider call hanging until its 30-second
// deadline held every retried reply behind it for as long.
func TestReplyWorkerGoesOnPastAHungSend(t *testing.T) {
	st := memory.New()
	h, err := New(st, WithSandboxHTTP(), WithPoll(time.Hour), WithWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	ch := &stuckChannel{stuck: "stuck", release: make(chan struct{}), started: make(chan struct{}, 1)}
	if err := h.AddAccount(&Account{Channel: flows.ChannelWeb, Name: "site", Sender: ch}, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml")); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	pendingReply(t, st, "stuck", now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	var once sync.Once
	let := func() { once.Do(func() { close(ch.release) }) }
	t.Cleanup(func() { let(); cancel(); <-done })

	<-ch.started
	for _, c := range []string{"c1", "c2", "c3"} {
		pendingReply(t, st, c, now)
		h.wakeReplies()
	}
	waitFor(t, "the other conversations' replies while one send hangs", func() bool {
		return ch.got("c1") && ch.got("c2") && ch.got("c3")
	})
	let()
}
