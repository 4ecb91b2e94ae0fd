package host

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/store/memory"
)

// typingFlow greets, then answers "fast" at once and "slow" after an HTTP
// call to %s/slow.
const typingFlow = `flow: typing
languages: [en]
start: welcome
states:
  welcome:
    say: "hi"
    next: listen
  listen:
    ask: {save_as: said, pattern: '.+'}
    next:
      - when: said == "slow"
        goto: lookup
      - goto: fast
  fast:
    say: "fast answer"
    next: listen
  lookup:
    http: {method: GET, url: "%s/slow", save_as: r}
    next: slow
  slow:
    say: "slow answer"
    next: listen
`

// A turn slower than typing_after marks the customer's message read with
// a typing indicator (POST /messages status read, typing_indicator); a
// fast one does not. The slow call answers once the indicator is in (or
// after a minute, and the test fails), so the slow turn is as slow as it
// needs to be; typing_after is long enough for a fast turn on a busy
// machine.
func TestServeTypingIndicatorOnASlowTurn(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for deadline := time.Now().Add(time.Minute); len(wa.Reads()) == 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		io.WriteString(w, `{}`)
	}))
	defer api.Close()
	dir := t.TempDir()
	flow := filepath.Join(dir, "typing.yaml")
	if err := os.WriteFile(flow, []byte(fmt.Sprintf(typingFlow, api.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, dir, fmt.Sprintf(`
store: {kind: memory}
channels:
  whatsapp:
    - {phone_number_id: %q, flow: %q, access_token: %q, app_secret: %q, verify_token: v, graph_url: %q, api_version: %s, typing_after: 3s}
`, wa.PhoneNumberID, flow, wa.Token, wa.AppSecret, wa.URL, wa.Version))
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), NoWatch: true,
		Host: []Option{WithPoll(10 * time.Millisecond), WithDeliverOptions(handoff.DeliverPollInterval(10 * time.Millisecond))}})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, srv)
	say := func(id, text string) {
		t.Helper()
		resp, err := wa.Post(context.Background(), base+"/webhooks/whatsapp", wa.Notification(whatsapptest.Inbound{ID: id, From: "393330000042", Text: text}))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	say("wamid.HELLO", "hello")
	waitFor(t, "the welcome", func() bool { return len(wa.Messages()) == 1 })
	say("wamid.FAST", "fast")
	waitFor(t, "the fast answer", func() bool { return len(wa.Messages()) == 2 })
	say("wamid.SLOW", "slow")
	waitFor(t, "the slow answer", func() bool { return len(wa.Messages()) == 3 })
	reads := wa.Reads()
	if len(reads) != 1 || reads[0].MessageID != "wamid.SLOW" || !reads[0].Typing {
		t.Errorf("reads %+v, want the slow message's only, with a typing indicator", reads)
	}
}

// typingChannel records, in order, the sends that start and the typing
// indicators asked for. A send waits for an indicator (a while at most),
// as a Graph request in flight when the indicator's timer fires.
type typingChannel struct {
	mu     sync.Mutex
	events []string
	typed  chan struct{}
	once   sync.Once
}

func (c *typingChannel) record(e string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
}

func (c *typingChannel) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.events...)
}

func (c *typingChannel) Send(ctx context.Context, m flows.Outbound) error {
	c.record("send")
	select {
	case <-c.typed:
	case <-time.After(2 * time.Second):
	case <-ctx.Done():
	}
	c.record("sent")
	return nil
}

func (c *typingChannel) Typing(context.Context, flows.Inbound) error {
	c.record("typing")
	c.once.Do(func() { close(c.typed) })
	return nil
}

// A turn that ends before typing_after shows no indicator, even when its
// reply takes longer than typing_after to go out: an indicator asked for
// after the reply would stay on the customer's screen (WhatsApp: up to 25
// seconds) although the answer is there.
func TestTypingNeverAfterTheReply(t *testing.T) {
	st := memory.New()
	h, err := New(st, WithSandboxHTTP(), WithPoll(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ch := &typingChannel{typed: make(chan struct{})}
	if err := h.AddAccount(&Account{Channel: flows.ChannelWeb, Name: "site", Sender: ch, TypingAfter: 300 * time.Millisecond},
		loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if err := h.Receive(context.Background(), flows.Inbound{ID: "m1", Channel: flows.ChannelWeb, Account: "site",
		Contact: flows.Contact{ID: "v1"}, Input: flows.Input{Kind: flows.InputMessage, Text: "hello"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the welcome sent", func() bool { return slices.Contains(ch.got(), "sent") })
	events := ch.got()
	if i := slices.Index(events, "typing"); i > slices.Index(events, "send") {
		t.Errorf("events %q: the typing indicator was asked for after the reply had started", events)
	}
}
