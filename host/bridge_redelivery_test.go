package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

const (
	bridgeZendeskSecret   = "zd-signing"
	bridgeFreshdeskSecret = "fd-secret-0123456789"
	bridgeWebhookSecret   = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
)

const bridgeConfig = `
server: {listen: "127.0.0.1:0", shutdown_timeout: 5s}
store: %s
channels:
  whatsapp:
    - phone_number_id: "%s"
      flow: %s
      access_token: %s
      app_secret: %s
      verify_token: %s
      graph_url: %s
      api_version: %s
bridge:
  zendesk: {signing_secret: %s}
  freshdesk: {secret: %s}
  webhook: {secret: %s}
`

// flakyInbox fails the next accepts of bridge inputs, as a store that
// times out would.
type flakyInbox struct {
	flows.Inbox
	fail *atomic.Int32
}

func (f flakyInbox) Accept(ctx context.Context, in flows.Inbound) (bool, error) {
	if strings.HasPrefix(in.ID, "bridge:") && f.fail.Add(-1) >= 0 {
		return false, errors.New("the store timed out")
	}
	return f.Inbox.Accept(ctx, in)
}

type flakyStore struct {
	flows.Store
	fail *atomic.Int32
}

func (f flakyStore) Inbox() flows.Inbox { return flakyInbox{f.Store.Inbox(), f.fail} }

// bridgePair is two `baton serve` processes on one store and one Graph
// API, with a customer handed off to an agent.
type bridgePair struct {
	wa    *whatsapptest.Server
	bases [2]string
	conv  string
	fail  atomic.Int32
}

// startBridgePair starts the two processes on the store the config's
// store: says; a memory store is one, shared.
func startBridgePair(t *testing.T, store string) *bridgePair {
	t.Helper()
	p := &bridgePair{wa: whatsapptest.NewServer(t)}
	flow, _ := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	wa := p.wa
	src := fmt.Sprintf(bridgeConfig, store, wa.PhoneNumberID, flow, wa.Token, wa.AppSecret, whatsapptest.VerifyToken, wa.URL, wa.Version,
		bridgeZendeskSecret, bridgeFreshdeskSecret, bridgeWebhookSecret)
	var shared flows.Store = memory.New()
	var st flows.Store
	for i := range p.bases {
		cfg := loadConfig(t, t.TempDir(), src)
		st = shared
		if cfg.Store.Kind != "memory" {
			var err error
			if st, err = openStore(cfg); err != nil {
				t.Fatal(err)
			}
		}
		srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), Store: flakyStore{st, &p.fail}, Sandbox: true, NoWatch: true,
			Host: []Option{WithPoll(10 * time.Millisecond), WithDeliverOptions(handoff.DeliverPollInterval(10 * time.Millisecond))}})
		if err != nil {
			t.Fatal(err)
		}
		p.bases[i] = serve(t, srv)
	}
	const customer = "393330000001"
	p.conv = "whatsapp:" + wa.PhoneNumberID + ":" + customer
	for i, text := range []string{"hello", "agent"} {
		resp, err := wa.Post(context.Background(), p.bases[0]+"/webhooks/whatsapp", wa.Notification(whatsapptest.Inbound{From: customer, Name: "Anna", Text: text}))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		waitFor(t, fmt.Sprintf("reply %d", i+1), func() bool { return len(wa.Messages()) >= i+1 })
	}
	waitFor(t, "the handoff", func() bool {
		s, err := st.Load(context.Background(), p.conv)
		return err == nil && s.Handoff != nil
	})
	return p
}

// withText counts the messages the customer got that contain text.
func (p *bridgePair) withText(text string) int {
	n := 0
	for _, m := range p.wa.Messages() {
		if strings.Contains(m.Text, text) {
			n++
		}
	}
	return n
}

// bridgeDelivery is one helpdesk request, sent again as the helpdesk
// would redeliver it (same delivery id, same body, fresh timestamp).
type bridgeDelivery func(t *testing.T, base string) int

func zendeskDelivery(conv, text, invocation string) bridgeDelivery {
	body := fmt.Sprintf(`{"event":"comment","ticket_id":"4001","conversation_id":%q,"comment":%q,"author":"Marco","author_role":"agent"}`, conv, text)
	return func(t *testing.T, base string) int {
		ts := time.Now().UTC().Format(time.RFC3339)
		h := http.Header{"X-Zendesk-Webhook-Signature-Timestamp": {ts}, "X-Zendesk-Webhook-Signature": {handoff.SignZendesk(bridgeZendeskSecret, ts, []byte(body))},
			"X-Zendesk-Webhook-Invocation-Id": {invocation}}
		return postBridge(t, base+"/bridge/zendesk", h, body)
	}
}

func freshdeskDelivery(conv, text string) bridgeDelivery {
	body := fmt.Sprintf(`{"event":"reply","ticket_id":"77","conversation_id":%q,"reply":%q,"agent":"Marco","status":"Open"}`, conv, "<p>"+text+"</p>")
	return func(t *testing.T, base string) int {
		return postBridge(t, base+"/bridge/freshdesk", http.Header{handoff.FreshdeskSecretHeader: {bridgeFreshdeskSecret}}, body)
	}
}

func webhookDelivery(conv, text, id string) bridgeDelivery {
	body := fmt.Sprintf(`{"type":"agent.message","conversation_id":%q,"text":%q,"agent":"Marco"}`, conv, text)
	return func(t *testing.T, base string) int {
		now := time.Now()
		sig, err := handoff.SignWebhook(bridgeWebhookSecret, id, now, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{"webhook-id": {id}, "webhook-timestamp": {fmt.Sprint(now.Unix())}, "webhook-signature": {sig}}
		return postBridge(t, base+"/bridge/webhook", h, body)
	}
}

func postBridge(t *testing.T, url string, h http.Header, body string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewBufferString(body))
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A helpdesk redelivering an agent's reply, to either of two processes on
// one store, reaches the customer once; a delivery whose accept failed
// (503) is delivered when the helpdesk retries it, whichever process the
// retry reaches.
func TestBridgeRedeliveryAcrossProcesses(t *testing.T) {
	bridgeRedeliveryAcrossProcesses(t, func(string) string { return "{kind: memory}" })
}

// The same with two processes on one Valkey server (redis-server started
// by the test).
func TestBridgeRedeliveryAcrossProcessesOnValkey(t *testing.T) {
	url := valkeytest.Start(t).URL
	bridgeRedeliveryAcrossProcesses(t, func(name string) string { return fmt.Sprintf("{kind: valkey, url: %q, prefix: %s}", url, name) })
}

func bridgeRedeliveryAcrossProcesses(t *testing.T, store func(name string) string) {
	for _, tc := range []struct {
		name string
		req  func(conv, text, id string) bridgeDelivery
	}{
		{"zendesk", zendeskDelivery},
		{"freshdesk", func(conv, text, _ string) bridgeDelivery { return freshdeskDelivery(conv, text) }},
		{"webhook", webhookDelivery},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startBridgePair(t, store(tc.name))
			// The same delivery five times, concurrently, at both
			// processes. A signed Zendesk request that is under way
			// elsewhere is answered 503, which the helpdesk retries.
			once := tc.req(p.conv, "Hi Anna, I'm Marco", "inv-1")
			var wg sync.WaitGroup
			for i := range 6 {
				wg.Go(func() {
					code := once(t, p.bases[i%2])
					for try := 0; code == http.StatusServiceUnavailable && tc.name == "zendesk" && try < 100; try++ {
						time.Sleep(20 * time.Millisecond)
						code = once(t, p.bases[i%2])
					}
					if code >= 300 {
						t.Errorf("a delivery answered %d", code)
					}
				})
			}
			wg.Wait()
			waitFor(t, "the agent's reply", func() bool { return p.withText("I'm Marco") >= 1 })

			// The store fails the next accept: 503, and the helpdesk's
			// retry, at the other process, is delivered.
			p.fail.Store(1)
			retried := tc.req(p.conv, "Your refund is on its way", "inv-2")
			if code := retried(t, p.bases[0]); code != http.StatusServiceUnavailable {
				t.Fatalf("a delivery whose accept failed answered %d, want 503", code)
			}
			if code := retried(t, p.bases[1]); code != http.StatusNoContent {
				t.Fatalf("the retry answered %d, want 204 (delivered)", code)
			}
			waitFor(t, "the retried reply", func() bool { return p.withText("refund is on its way") >= 1 })
			for _, base := range p.bases {
				if code := retried(t, base); code != http.StatusOK {
					t.Errorf("a redelivery of the retried reply answered %d, want 200 (already received)", code)
				}
			}
			// A later reply, once sent, is a barrier: a conversation's
			// turns run one after the other and its replies go out in
			// order, so any duplicate turn of the deliveries above has
			// sent its reply by then.
			last := tc.req(p.conv, "Anything else?", "inv-3")
			if code := last(t, p.bases[1]); code >= 300 {
				t.Fatalf("a last delivery answered %d", code)
			}
			waitFor(t, "the last reply", func() bool { return p.withText("Anything else?") >= 1 })
			if n := p.withText("I'm Marco"); n != 1 {
				t.Errorf("the redelivered reply reached the customer %d times, want 1", n)
			}
			if n := p.withText("refund is on its way"); n != 1 {
				t.Errorf("the retried reply reached the customer %d times, want 1", n)
			}
		})
	}
}

// A helpdesk request naming a conversation no account here serves (a
// ticket opened by another deployment, an external_id another
// integration set) was answered 503 "retry later", which the docs keep
// for a store that failed: the helpdesk retried a request that could
// never be taken, and its log showed a server error. It is answered 404,
// which says what is wrong and is not retried by Zendesk.
func TestBridgeUnknownConversation(t *testing.T) {
	p := startBridgePair(t, "{kind: memory}")
	for _, c := range []struct {
		name string
		d    bridgeDelivery
	}{
		{"zendesk, an account not served", zendeskDelivery("whatsapp:999:123", "hi", "u1")},
		{"zendesk, not a conversation id", zendeskDelivery("crm-1234", "hi", "u2")},
		{"freshdesk", freshdeskDelivery("whatsapp:999:123", "hi")},
		{"webhook", webhookDelivery("telegram:nobot:1", "hi", "u3")},
	} {
		if code := c.d(t, p.bases[0]); code != http.StatusNotFound {
			t.Errorf("%s: answered %d, want 404", c.name, code)
		}
	}
	// A known conversation is still taken.
	if code := zendeskDelivery(p.conv, "Hi Anna", "u4")(t, p.bases[0]); code != http.StatusNoContent {
		t.Errorf("a known conversation: answered %d, want 204", code)
	}
}
