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

// stopDuringReplyClaim is a store whose reply outbox's claim is on its
// way when the process is told to stop: it cancels the host's context,
// then answers as a store client does, with the context's error, though
// the store has leased the replies already.
type stopDuringReplyClaim struct {
	*memory.Store
	stop func()
}

type stoppingOutbox struct {
	flows.Outbox
	stop func()
}

func (s stopDuringReplyClaim) OutboxOf(kinds ...flows.OutboxKind) flows.Outbox {
	o := s.Store.OutboxOf(kinds...)
	if len(kinds) == 1 && kinds[0] == flows.OutboxReply {
		return stoppingOutbox{o, s.stop}
	}
	return o
}

func (o stoppingOutbox) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.OutboxItem, error) {
	o.stop()
	// The store runs the claim (its script has run when the client
	// notices the context), and the client answers with ctx's error.
	items, err := o.Outbox.Claim(context.WithoutCancel(ctx), now, lease, max)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return items, err
}

// A shutdown that comes while the reply worker claims leaves nothing
// leased: the replies the claim took go back for the next process at
// once, not after their lease (a minute).
func TestReplyWorkerReleasesAClaimCutByShutdown(t *testing.T) {
	mem := memory.New()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := stopDuringReplyClaim{Store: mem, stop: cancel}
	h, err := New(st, WithSandboxHTTP(), WithPoll(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AddAccount(&Account{Channel: flows.ChannelWeb, Name: "site", Sender: &fakeChannel{}}, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml")); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	pendingReply(t, mem, "c1", now)
	if err := h.Run(ctx); err != nil {
		t.Fatal(err)
	}
	items, err := mem.OutboxOf(flows.OutboxReply).Claim(context.Background(), h.now(), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 {
		t.Errorf("%d replies claimable at once after the shutdown, want 1 (the cut claim's, released)", len(items))
	}
}
