package host

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

// fakeChannel records what the host sends, and fails as told.
type fakeChannel struct {
	mu   sync.Mutex
	sent []flows.Outbound
	fail []error
}

func (c *fakeChannel) Send(_ context.Context, m flows.Outbound) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.fail) > 0 {
		err := c.fail[0]
		c.fail = c.fail[1:]
		return err
	}
	c.sent = append(c.sent, m)
	return nil
}

func (c *fakeChannel) texts() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.sent {
		out = append(out, m.Reply.Text)
	}
	return out
}

// waitTimeout bounds waitFor: far above what anything here takes, even on
// a busy machine syncing a bolt file; it only ends a hang.
const waitTimeout = time.Minute

// waitFor polls cond until it holds, failing the test after waitTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after %v", what, waitTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func loadFlow(t *testing.T, path string) *flows.Flow {
	t.Helper()
	f, diags := dsl.LoadFile(path)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	return f
}

type testHost struct {
	*Host
	ch     *fakeChannel
	store  *memory.Store
	cancel context.CancelFunc
	done   chan struct{}
}

func startHost(t *testing.T, opts ...Option) *testHost {
	t.Helper()
	st := memory.New()
	h, err := New(st, append([]Option{WithSandboxHTTP(), WithPoll(10 * time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	ch := &fakeChannel{}
	if err := h.AddAccount(&Account{Channel: flows.ChannelWeb, Name: "site", Sender: ch}, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	th := &testHost{Host: h, ch: ch, store: st, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(th.done); _ = h.Run(ctx) }()
	t.Cleanup(th.stop)
	return th
}

func (th *testHost) stop() {
	th.cancel()
	<-th.done
}

func (th *testHost) say(t *testing.T, id, text, payload string) {
	t.Helper()
	err := th.Receive(context.Background(), flows.Inbound{ID: id, Channel: flows.ChannelWeb, Account: "site",
		Contact: flows.Contact{ID: "v1", Name: "Anna"}, Input: flows.Input{Kind: flows.InputMessage, Text: text, Payload: payload}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHostConversation(t *testing.T) {
	th := startHost(t)
	const conv = "web:site:v1"
	th.say(t, "m1", "hello", "")
	waitFor(t, "the welcome menu", func() bool { return len(th.ch.texts()) == 1 })
	if m := th.ch.sent[0]; m.Reply.Text != "Hi Anna! How can I help?" || len(m.Reply.Options) != 3 || m.ConversationID != conv || m.To.ID != "v1" {
		t.Fatalf("first reply %+v", m)
	}
	th.say(t, "m2", "", "order")
	th.say(t, "m3", "A12345", "")
	waitFor(t, "the order's answer", func() bool { return len(th.ch.texts()) >= 3 })
	if got := strings.Join(th.ch.texts(), " | "); !strings.Contains(got, "Your order A12345 arrives on 2026-03-05.") {
		t.Fatalf("replies: %s", got)
	}
	// A duplicate delivery of m3 changes nothing.
	n := len(th.ch.texts())
	th.say(t, "m3", "A12345", "")
	th.say(t, "m4", "agent", "")
	waitFor(t, "the ticket", func() bool { return len(th.Capture().Tickets()) == 1 })
	tk := th.Capture().Tickets()[0]
	if tk.Handoff.ConversationID != conv || len(tk.Handoff.ID) != 26 || tk.Handoff.Reason != "asks_for_human" {
		t.Fatalf("ticket %+v", tk.Handoff)
	}
	waitFor(t, "the handoff reply", func() bool { return len(th.ch.texts()) > n })
	// The agent answers through the bridge; then solves the ticket.
	if err := th.DeliverBridge(context.Background(), conv, flows.Input{Kind: flows.InputAgent, Text: "Hi, I'm Marco", Agent: "Marco"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the agent's reply", func() bool { return strings.Contains(strings.Join(th.ch.texts(), "|"), "Hi, I'm Marco") })
	s, _ := th.store.Load(context.Background(), conv)
	if s.Lifecycle != flows.LifecycleWithAgent {
		t.Errorf("lifecycle %s after the agent's reply", s.Lifecycle)
	}
	if err := th.DeliverBridge(context.Background(), conv, flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: s.Handoff.Ticket, Status: flows.TicketSolved}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the conversation back with the bot", func() bool {
		s, _ := th.store.Load(context.Background(), conv)
		return s.Lifecycle == flows.LifecycleBot
	})
	waitFor(t, "the CSAT question", func() bool { return strings.Contains(strings.Join(th.ch.texts(), "|"), "How did we do, from 1 to 5?") })
	texts := th.ch.texts()
	for i := 1; i < len(texts); i++ {
		if texts[i] == texts[i-1] && texts[i] != "" {
			t.Errorf("a reply was sent twice: %q", texts[i])
		}
	}
}

func TestHostRetriesAndOrdersReplies(t *testing.T) {
	th := startHost(t)
	th.ch.fail = []error{&flows.ChannelError{Channel: "web", Status: 429, Temporary: true, RetryAfter: 20 * time.Millisecond}}
	th.say(t, "m1", "hello", "")
	th.say(t, "m2", "", "faq")
	waitFor(t, "both answers", func() bool { return len(th.ch.texts()) >= 3 })
	got := th.ch.texts()
	if got[0] != "Hi Anna! How can I help?" || got[1] != "Shipping takes 2-3 days." {
		t.Errorf("replies out of order after a retry: %q", got)
	}
}

// A sender of a program's own (flows.Channel) that ran out of its send's
// deadline (a slow provider: the host gives a send 30 seconds) returns
// the context's error, not a *flows.ChannelError, as net/http does: the
// reply was dead at once, never retried, the customer never got it. A
// send cut short by its deadline is temporary: it is tried again.
func TestHostRetriesASendPastItsDeadline(t *testing.T) {
	th := startHost(t)
	th.ch.fail = []error{&url.Error{Op: "Post", URL: "https://chat.example.com/send", Err: context.DeadlineExceeded}}
	th.say(t, "m1", "hello", "")
	waitFor(t, "the reply sent again, or dead", func() bool {
		dead, _ := th.store.List(context.Background(), flows.OutboxDead)
		return len(th.ch.texts()) == 1 || len(dead) > 0
	})
	if got := th.ch.texts(); len(got) != 1 || got[0] != "Hi Anna! How can I help?" {
		t.Errorf("the reply should be sent again after its send ran out of time; sent: %q", got)
	}
}

func TestHostUnknownAccount(t *testing.T) {
	th := startHost(t)
	err := th.Receive(context.Background(), flows.Inbound{ID: "x", Channel: "web", Account: "other", Contact: flows.Contact{ID: "v"}, Input: flows.Input{Kind: flows.InputMessage, Text: "hi"}})
	if err == nil || !strings.Contains(err.Error(), `no web account "other"`) {
		t.Errorf("unknown account: %v", err)
	}
}

// A message that arrives while its conversation's turn is still under
// way (here: the turn's HTTP call is slow) is taken right after that
// turn, not when its lease runs out a minute later.
func TestHostMessageDuringATurn(t *testing.T) {
	release := make(chan struct{})
	slow := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-release
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"status":"shipped","eta":"2026-03-05"}`)), Header: http.Header{}}, nil
	})}
	th := startHost(t, WithHTTP(NewHTTPCaller(HTTPClient(slow))), func(h *Host) { h.sandboxHTTP = false })
	th.say(t, "m1", "hello", "")
	th.say(t, "m2", "", "order")
	waitFor(t, "the order question", func() bool { return len(th.ch.texts()) == 2 })
	th.say(t, "m3", "A12345", "")
	waitFor(t, "the lookup under way", func() bool {
		s, err := th.store.Load(context.Background(), "web:site:v1")
		return err == nil && s.Pending != nil
	})
	th.say(t, "m4", "agent", "") // its turn waits for the lookup's
	waitFor(t, "m4 claimed and queued behind the lookup's turn", func() bool {
		th.busyMu.Lock()
		defer th.busyMu.Unlock()
		return len(th.busy["web:site:v1"]) == 1
	})
	close(release)
	waitFor(t, "the handoff after the lookup", func() bool { return len(th.Capture().Tickets()) == 1 })
	if got := strings.Join(th.ch.texts(), " | "); !strings.Contains(got, "Your order A12345 arrives on 2026-03-05.") {
		t.Errorf("replies: %s", got)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestHostMaxMessage: server.max_message (WithMaxMessage) is the engine's
// cap: a longer message is kept cut, with its mark, in the transcript.
func TestHostMaxMessage(t *testing.T) {
	th := startHost(t, WithMaxMessage(300))
	th.say(t, "m1", strings.Repeat("a", 1000), "")
	waitFor(t, "the reply", func() bool { return len(th.ch.texts()) > 0 })
	s, err := th.store.Load(context.Background(), "web:site:v1")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Transcript[0].Text; got != strings.Repeat("a", 300)+" [… 700 bytes cut]" {
		t.Errorf("the message is kept as %.40q… (%d bytes)", got, len(got))
	}
}

// A channel's wait that would take a reply's retry past its max age (a
// day: an answer that late helps nobody) makes the reply dead at once,
// noted on the ticket, not pending until then: a custom channel's
// RetryAfter of math.MaxInt64 used to keep the reply pending for 292
// years.
func TestHostReplyWaitPastMaxAge(t *testing.T) {
	for _, wait := range []time.Duration{replyMaxAge, time.Duration(math.MaxInt64)} {
		th := startHost(t)
		th.ch.fail = []error{&flows.ChannelError{Channel: "web", Status: 429, Temporary: true, RetryAfter: wait}}
		th.say(t, "m1", "hello", "")
		out := th.store.OutboxOf(flows.OutboxReply)
		waitFor(t, "the reply settled", func() bool {
			dead, _ := out.List(context.Background(), flows.OutboxDead)
			pending, _ := out.List(context.Background(), flows.OutboxPending)
			return len(dead) > 0 || len(pending) > 0 && pending[0].Attempts > 0
		})
		dead, _ := out.List(context.Background(), flows.OutboxDead)
		pending, _ := out.List(context.Background(), flows.OutboxPending)
		if len(dead) != 1 || len(pending) != 0 {
			t.Errorf("wait %v: %d dead, pending %+v; want the reply dead at once", wait, len(dead), pending)
		}
		th.stop()
	}
}
