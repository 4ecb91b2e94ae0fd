package host

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/telegram/telegramtest"
	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

// zendeskFake is a strict stand-in for Zendesk's Support API: basic auth
// with an API token, one ticket per Idempotency-Key.
type zendeskFake struct {
	*httptest.Server
	mu      sync.Mutex
	tickets []map[string]any
	keys    map[string]int
	updates []string // the comment of each PUT /api/v2/tickets/{id}
}

func newZendeskFake(t *testing.T) *zendeskFake {
	z := &zendeskFake{keys: map[string]int{}}
	z.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "bot@acme.example/token" || p != "zd-token" {
			http.Error(w, `{"error":"Couldn't authenticate you"}`, http.StatusUnauthorized)
			return
		}
		z.mu.Lock()
		defer z.mu.Unlock()
		switch {
		case r.Method == "POST" && r.URL.Path == "/api/v2/users/create_or_update":
			w.WriteHeader(201)
			io.WriteString(w, `{"user":{"id":9001}}`)
		case r.Method == "POST" && r.URL.Path == "/api/v2/tickets":
			key := r.Header.Get("Idempotency-Key")
			if key == "" {
				http.Error(w, `{"error":"no idempotency key"}`, 400)
				return
			}
			n, seen := z.keys[key]
			if !seen {
				var body struct{ Ticket map[string]any }
				if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Ticket["external_id"] == nil {
					http.Error(w, `{"error":"RecordInvalid"}`, http.StatusUnprocessableEntity)
					return
				}
				z.tickets = append(z.tickets, body.Ticket)
				n = 4000 + len(z.tickets)
				z.keys[key] = n
			}
			w.WriteHeader(201)
			fmt.Fprintf(w, `{"ticket":{"id":%d}}`, n)
		case r.Method == "PUT" && strings.HasPrefix(r.URL.Path, "/api/v2/tickets/"):
			var body struct {
				Ticket struct {
					Comment struct{ Body string }
				}
			}
			json.NewDecoder(r.Body).Decode(&body)
			z.updates = append(z.updates, body.Ticket.Comment.Body)
			io.WriteString(w, `{"ticket":{}}`)
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/api/v2/tickets/"):
			io.WriteString(w, `{"ticket":{"requester_id":9001}}`)
		default:
			http.Error(w, `{"error":"InvalidEndpoint"}`, 404)
		}
	}))
	t.Cleanup(z.Close)
	return z
}

func (z *zendeskFake) ticket(i int) map[string]any {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.tickets[i]
}

func (z *zendeskFake) count() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return len(z.tickets)
}

// commented reports whether a ticket update carried a comment containing
// text.
func (z *zendeskFake) commented(text string) bool {
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, c := range z.updates {
		if strings.Contains(c, text) {
			return true
		}
	}
	return false
}

// comments counts the ticket updates whose comment contains text.
func (z *zendeskFake) comments(text string) int {
	z.mu.Lock()
	defer z.mu.Unlock()
	n := 0
	for _, c := range z.updates {
		if strings.Contains(c, text) {
			n++
		}
	}
	return n
}

// shopTransport routes shop.example.com to the shop fake; everything else
// goes out as usual (to the local fakes).
type shopTransport struct{ shop *url.URL }

func (s shopTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "shop.example.com" {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = s.shop.Scheme, s.shop.Host
	}
	return http.DefaultTransport.RoundTrip(r)
}

const e2eConfig = `
connectors:
  zendesk: {base_url: "%s", subdomain: acme, email: bot@acme.example, token: zd-token}
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
  telegram:
    - {name: %s, flow: %s, token: %q, secret_token: %s, api_url: %s}
  web:
    - {name: site, flow: %s}
bridge:
  zendesk: {signing_secret: zd-signing}
`

// loadConfig writes src as dir/baton.yaml and loads it.
func loadConfig(tb testing.TB, dir, src string) *config.Config {
	tb.Helper()
	path := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
	cfg, diags := config.Load(path)
	if diags.HasErrors() {
		tb.Fatal(diags.Err())
	}
	return cfg
}

// serve runs srv on a free loopback port until the test ends, then
// checks that it shut down cleanly, and returns its base URL.
func serve(tb testing.TB, srv *Server) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("shutdown: %v", err)
		}
	})
	return "http://" + l.Addr().String()
}

type e2e struct {
	srv  *Server
	wa   *whatsapptest.Server
	tg   *telegramtest.Server
	zd   *zendeskFake
	base string
}

func startE2E(t *testing.T) *e2e {
	t.Helper()
	return startE2EOn(t, "{kind: memory}")
}

// startE2EOn serves with the store the config's store: says.
func startE2EOn(t *testing.T, store string) *e2e {
	t.Helper()
	return startE2EWith(t, store, "")
}

// startE2EWith serves with the store and more config sections.
func startE2EWith(t *testing.T, store, more string) *e2e {
	t.Helper()
	wa := whatsapptest.NewServer(t)
	tg := telegramtest.NewServer(t)
	zd := newZendeskFake(t)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/orders/A12345" {
			io.WriteString(w, `{"status":"shipped","eta":"2026-03-05"}`)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(shop.Close)
	flow, _ := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	src := fmt.Sprintf(e2eConfig, zd.URL, store, wa.PhoneNumberID, flow, wa.Token, wa.AppSecret, whatsapptest.VerifyToken, wa.URL, wa.Version,
		tg.BotName, flow, tg.Token, tg.SecretToken, tg.URL, flow) + more
	cfg := loadConfig(t, t.TempDir(), src)
	shopURL, _ := url.Parse(shop.URL)
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), HTTPClient: &http.Client{Transport: shopTransport{shopURL}},
		Host: []Option{WithPoll(10 * time.Millisecond), WithDeliverOptions(handoff.DeliverPollInterval(10 * time.Millisecond))}})
	if err != nil {
		t.Fatal(err)
	}
	return &e2e{srv: srv, wa: wa, tg: tg, zd: zd, base: serve(t, srv)}
}

func (e *e2e) post(t *testing.T, body []byte) {
	t.Helper()
	resp, err := e.wa.Post(context.Background(), e.base+"/webhooks/whatsapp", body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook answered %d", resp.StatusCode)
	}
}

// sent waits for the fake Graph API to have n messages and returns them.
func (e *e2e) sent(t *testing.T, n int) []whatsapptest.Message {
	t.Helper()
	waitFor(t, strconv.Itoa(n)+" messages to the customer", func() bool { return len(e.wa.Messages()) >= n })
	return e.wa.Messages()
}

func (e *e2e) zendesk(t *testing.T, body string) {
	t.Helper()
	ts := time.Now().UTC().Format(time.RFC3339)
	req, _ := http.NewRequest("POST", e.base+"/bridge/zendesk", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Zendesk-Webhook-Signature-Timestamp", ts)
	req.Header.Set("X-Zendesk-Webhook-Signature", handoff.SignZendesk("zd-signing", ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("the bridge answered %d", resp.StatusCode)
	}
}

// A whole WhatsApp conversation: the menu as buttons, a button reply, an
// order lookup, a handoff to Zendesk, the agent's reply through the
// bridge and the ticket solved, back to the bot's CSAT question.
func TestServeWhatsAppToZendeskAndBack(t *testing.T) {
	serveWhatsAppToZendeskAndBack(t, startE2E(t))
}

// The same on a Valkey store (redis-server started by the test).
func TestServeWhatsAppToZendeskAndBackOnValkey(t *testing.T) {
	url := valkeytest.Start(t).URL
	serveWhatsAppToZendeskAndBack(t, startE2EOn(t, fmt.Sprintf("{kind: valkey, url: %q, prefix: e2e}", url)))
}

// The same on a bolt file; a second server on the file is refused.
func TestServeWhatsAppToZendeskAndBackOnBolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baton.db")
	serveWhatsAppToZendeskAndBack(t, startE2EOn(t, fmt.Sprintf("{kind: bolt, path: %q}", path)))
	cfg, diags := config.Parse("b.yaml", []byte(fmt.Sprintf("store: {kind: bolt, path: %q}\n", path)))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	_, err := openStore(cfg)
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("a second process on the file: %v", err)
	}
}

func serveWhatsAppToZendeskAndBack(t *testing.T, e *e2e) {
	const customer = "393331234567"
	e.post(t, e.wa.Notification(whatsapptest.Inbound{From: customer, Name: "Anna", Text: "hello"}))
	msgs := e.sent(t, 1)
	m := msgs[0]
	if m.To != customer || m.Type != "interactive" || m.Interactive.Type != "button" || len(m.Interactive.Choices) != 3 ||
		m.Interactive.Choices[0].ID != "order" || !strings.Contains(m.Interactive.Body, "Hi Anna! How can I help?") {
		t.Fatalf("the welcome menu: %+v %+v", m, m.Interactive)
	}
	e.post(t, e.wa.Notification(whatsapptest.Inbound{From: customer, Name: "Anna", ButtonID: "order", ButtonTitle: "Order status"}))
	if m := e.sent(t, 2)[1]; !strings.Contains(m.Text, "What's your order number?") {
		t.Fatalf("after the button: %+v", m)
	}
	e.post(t, e.wa.Notification(whatsapptest.Inbound{From: customer, Name: "Anna", Text: "it's A12345"}))
	msgs = e.sent(t, 4)
	if !strings.Contains(msgs[2].Text, "Your order A12345 arrives on 2026-03-05.") {
		t.Fatalf("the order lookup: %+v", msgs[2])
	}
	e.post(t, e.wa.Notification(whatsapptest.Inbound{From: customer, Name: "Anna", Text: "agent"}))
	waitFor(t, "the Zendesk ticket", func() bool { return e.zd.count() == 1 })
	conv := "whatsapp:" + e.wa.PhoneNumberID + ":" + customer
	if got := e.zd.tickets[0]["external_id"]; got != conv {
		t.Errorf("ticket external_id %v, want %s", got, conv)
	}
	n := len(e.sent(t, 5))
	e.zendesk(t, fmt.Sprintf(`{"event":"comment","ticket_id":"4001","conversation_id":%q,"comment":"Hi Anna, I'm Marco","author":"Marco","author_role":"agent"}`, conv))
	waitFor(t, "the agent's reply on WhatsApp", func() bool {
		for _, m := range e.wa.Messages()[n:] {
			if m.To == customer && strings.Contains(m.Text, "Hi Anna, I'm Marco") {
				return true
			}
		}
		return false
	})
	e.zendesk(t, fmt.Sprintf(`{"event":"status","ticket_id":"4001","conversation_id":%q,"status":"Solved","author":"Marco"}`, conv))
	waitFor(t, "the CSAT question", func() bool {
		all := e.wa.Messages()
		return strings.Contains(all[len(all)-1].Text, "How did we do, from 1 to 5?")
	})
}

// Meta delivering the same message three times at once gives one reply
// and one ticket.
func TestServeDuplicateWebhooks(t *testing.T) {
	e := startE2E(t)
	e.post(t, e.wa.Notification(whatsapptest.Inbound{From: "391112223334", Name: "Bea", Text: "hello"}))
	e.sent(t, 1)
	body := e.wa.Notification(whatsapptest.Inbound{ID: "wamid.SAME", From: "391112223334", Name: "Bea", Text: "agent"})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { e.post(t, body) })
	}
	wg.Wait()
	waitFor(t, "the ticket", func() bool { return e.zd.count() >= 1 })
	e.sent(t, 2)
	// A later message of the same customer is taken after every entry
	// accepted before it: once it reaches the ticket, any duplicate turn
	// would have shown itself.
	e.post(t, e.wa.Notification(whatsapptest.Inbound{ID: "wamid.AFTER", From: "391112223334", Name: "Bea", Text: "still there?"}))
	waitFor(t, "the later message on the ticket", func() bool { return e.zd.commented("still there?") })
	if n := e.zd.count(); n != 1 {
		t.Errorf("%d tickets, want 1", n)
	}
	if n := len(e.wa.Messages()); n != 2 {
		t.Errorf("%d messages to the customer, want 2 (the menu, then one handoff reply): %+v", n, e.wa.Messages())
	}
}

// Bad input: each refused with its status, nothing processed.
func TestServeRefusesBadWebhooks(t *testing.T) {
	e := startE2E(t)
	post := func(body []byte, sig string) int {
		req, _ := http.NewRequest("POST", e.base+"/webhooks/whatsapp", bytes.NewReader(body))
		if sig != "" {
			req.Header.Set("X-Hub-Signature-256", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good := e.wa.Notification(whatsapptest.Inbound{From: "390000000001", Text: "hello"})
	if got := post(good, ""); got != 401 {
		t.Errorf("no signature: %d", got)
	}
	if got := post(good, whatsapptest.Sign("wrong", good)); got != 401 {
		t.Errorf("a wrong signature: %d", got)
	}
	if got := post([]byte(`{"object":`), whatsapptest.Sign(e.wa.AppSecret, []byte(`{"object":`))); got != 400 {
		t.Errorf("not JSON: %d", got)
	}
	big := bytes.Repeat([]byte("x"), 4<<20)
	if got := post(big, whatsapptest.Sign(e.wa.AppSecret, big)); got != 413 {
		t.Errorf("too large: %d", got)
	}
	resp, err := http.Get(e.base + "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=42")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("a wrong verify token: %d", resp.StatusCode)
	}
	resp, _ = http.Get(e.base + "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=" + whatsapptest.VerifyToken + "&hub.challenge=42")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "42" {
		t.Errorf("the handshake: %d %q", resp.StatusCode, b)
	}
	// Good messages sent after them are answered after anything they might
	// have started: their two replies must be the only messages.
	e.post(t, e.wa.Notification(whatsapptest.Inbound{From: "390000000001", Text: "hello"}))
	e.post(t, e.wa.Notification(whatsapptest.Inbound{From: "390000000001", Text: "1"}))
	waitFor(t, "the order question", func() bool {
		for _, m := range e.wa.Messages() {
			if strings.Contains(m.Text, "order number") {
				return true
			}
		}
		return false
	})
	if got := e.wa.Messages(); len(got) != 2 {
		t.Errorf("a refused webhook was processed: %d messages, want the menu and the order question: %+v", len(got), got)
	}
	resp, _ = http.Get(e.base + "/metrics")
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`baton_webhook_rejects_total{endpoint="whatsapp",reason="signature"} 2`, `baton_webhook_rejects_total{endpoint="whatsapp",reason="too_large"} 1`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, _ = http.Get(e.base + p)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

// The default outbound client keeps an idle connection per worker and
// more, not net/http's 2 per host: concurrent replies to one Graph API
// reuse their connections instead of opening one per message.
func TestOutboundClientKeepsConnections(t *testing.T) {
	const workers, rounds = 8, 10
	var conns atomic.Int64
	// Each round, the fake holds its requests until all the workers' are
	// in: every round has them all in flight at once.
	var mu sync.Mutex
	arrived, release := 0, make(chan struct{})
	fake := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ch := release
		if arrived++; arrived == workers {
			close(release)
			arrived, release = 0, make(chan struct{})
		}
		mu.Unlock()
		<-ch
	}))
	fake.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	fake.Start()
	defer fake.Close()
	c := outboundClient(workers)
	for range rounds { // all idle between rounds, as between messages
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				resp, err := c.Get(fake.URL)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			})
		}
		wg.Wait()
	}
	// A connection may come back to the pool just after the next round
	// asked for one: a few more than workers, never most of a round's.
	if n := conns.Load(); n > 2*workers {
		t.Errorf("%d rounds of %d requests at once opened %d connections, want at most %d", rounds, workers, n, 2*workers)
	}
}

// `baton serve FLOW --listen 0.0.0.0:8080` served the captured tickets,
// every transcript and web conversation id (the chat's only credential),
// to anyone who could reach the port. They are served on a loopback
// address only; otherwise the log says why not.
func TestCapturedTicketsOnLoopbackOnly(t *testing.T) {
	for _, tc := range []struct {
		listen string
		served bool
	}{
		{"127.0.0.1:8080", true},
		{"localhost:8080", true},
		{"[::1]:8080", true},
		{"0.0.0.0:8080", false},
		{":8080", false},
		{"[::]:8080", false},
		{"192.168.1.10:8080", false},
	} {
		t.Run(tc.listen, func(t *testing.T) {
			cfg := config.ForFlow("../cmd/baton/testdata/flows/shop.yaml")
			cfg.Server.Listen = tc.listen
			var logs bytes.Buffer
			srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(&logs, 0, false), Store: memory.New(), Sandbox: true, NoWatch: true})
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/api/tickets", nil)
			req.Host = "localhost:8080" // a browser on this machine (another name is refused: TestServeRefusesOtherHostNames)
			srv.Handler().ServeHTTP(rec, req)
			if served := rec.Code == http.StatusOK; served != tc.served {
				t.Errorf("GET /api/tickets: %d; want it served: %v", rec.Code, tc.served)
			}
			if said := strings.Contains(logs.String(), "GET /api/tickets is not served"); said == tc.served {
				t.Errorf("the log should say why the tickets are not served (only then):\n%s", logs.String())
			}
		})
	}
}

// A wrong method on an endpoint is 405 with Allow, as net/http's mux
// answers, even with a web chat at / (whose handler would answer 404 for
// any path it does not know).
func TestServeWrongMethodIs405(t *testing.T) {
	e := startE2E(t)
	for _, tt := range []struct{ method, path, allow string }{
		{"GET", "/bridge/zendesk", "POST"},
		{"PUT", "/bridge/zendesk", "POST"},
		{"GET", "/webhooks/telegram/" + e.tg.BotName, "POST"},
		{"DELETE", "/webhooks/whatsapp", "GET, POST"},
		{"POST", "/metrics", "GET, HEAD"},
		{"POST", "/healthz", "GET, HEAD"},
		{"DELETE", "/readyz", "GET, HEAD"},
	} {
		req, _ := http.NewRequest(tt.method, e.base+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), strings.Split(tt.allow, ",")[0]) {
			t.Errorf("%s %s: %d, Allow %q; want 405, Allow %s", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Allow"), tt.allow)
		}
	}
}

// A deployment config that names no helpdesk connector serves, and its
// handoffs are captured, not sent: the log says so when the server
// starts, not only at the first handoff, so an operator who forgot the
// connectors: section learns it before a customer waits for an agent
// who never sees the ticket. baton serve FLOW says it in its banner.
func TestServeWithoutConnectorsWarnsAtStart(t *testing.T) {
	flow, _ := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	for _, tc := range []struct {
		name, connectors string
		warned           bool
	}{
		{"none", "", true},
		{"zendesk", "connectors:\n  zendesk: {base_url: \"http://127.0.0.1:1\", email: bot@acme.example, token: t}\nrouting: {default_team: support}\nteams:\n  support: {name: Support}\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadConfig(t, t.TempDir(), fmt.Sprintf("server: {listen: \"127.0.0.1:8080\"}\nchannels:\n  web:\n    - flow: %s\n%s", flow, tc.connectors))
			var logs bytes.Buffer
			if _, err := NewServer(cfg, ServerOptions{Logger: NewLogger(&logs, 0, false), Store: memory.New(), NoWatch: true}); err != nil {
				t.Fatal(err)
			}
			if warned := strings.Contains(logs.String(), "no helpdesk connector"); warned != tc.warned {
				t.Errorf("warned %v, want %v:\n%s", warned, tc.warned, logs.String())
			}
		})
	}
	// baton serve FLOW is the sandbox: its banner says it, not a warning.
	var logs bytes.Buffer
	if _, err := NewServer(config.ForFlow(flow), ServerOptions{Logger: NewLogger(&logs, 0, false), Store: memory.New(), Sandbox: true, NoWatch: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "no helpdesk connector") {
		t.Errorf("baton serve FLOW warned:\n%s", logs.String())
	}
}
