//go:build unix

package host

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/batonbot/baton/handoff"
)

// The webhook path benchmarks: a signed WhatsApp notification POSTed to
// the handler, the turn, and the reply POSTed to a fake Graph API over
// loopback, all in this process; one op is one customer message answered.
// BenchmarkWebhookReference is the floor: a bare net/http handler that
// checks the signature, decodes, dedupes and POSTs one text reply, all in
// the request. Both report, besides ns/op (wall time per message with
// several customers writing at once) and allocs/op, cpu-ns/op: the
// process's CPU time (user + system, every goroutine: handler, workers,
// the fake Graph API) per message, the figure the 1.5× goal is about.
//
//	go test -run - -bench Webhook -benchmem ./host

const (
	benchSecret = "bench-app-secret"
	benchToken  = "bench-token"
	benchNumber = "106540352242922"
)

// graphFake is a minimal Graph API: it checks the token, the path and the
// body, and signals the waiting sender of the recipient's message.
type graphFake struct {
	*httptest.Server
	mu      sync.Mutex
	waiting map[string]chan struct{} // recipient → its next reply
	tickets map[string]chan struct{} // conversation id → its ticket
}

func newGraphFake(b *testing.B) *graphFake {
	g := &graphFake{waiting: map[string]chan struct{}{}, tickets: map[string]chan struct{}{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/helpdesk" {
			g.ticket(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+benchToken || r.URL.Path != "/v24.0/"+benchNumber+"/messages" {
			http.Error(w, `{"error":{"message":"bad token or path","code":190}}`, http.StatusUnauthorized)
			return
		}
		var m struct {
			MessagingProduct string `json:"messaging_product"`
			To               string `json:"to"`
			Type             string `json:"type"`
			Text             struct {
				Body string `json:"body"`
			} `json:"text"`
		}
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m.MessagingProduct != "whatsapp" || m.Type != "text" || m.Text.Body == "" {
			http.Error(w, `{"error":{"message":"bad message","code":100}}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":"wamid.%s"}]}`, m.To, m.To, m.To)
		g.signal(g.waiting, m.To)
	}))
	b.Cleanup(g.Close)
	return g
}

// ticket takes a signed handoff.open event of the webhook connector.
func (g *graphFake) ticket(w http.ResponseWriter, r *http.Request) {
	var ev struct {
		Type string `json:"type"`
		Data struct {
			ConversationID string `json:"conversation_id"`
		} `json:"data"`
	}
	if r.Header.Get("webhook-signature") == "" || json.NewDecoder(r.Body).Decode(&ev) != nil {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"id":"T-1"}`)
	if ev.Type == "handoff.open" {
		g.signal(g.tickets, ev.Data.ConversationID)
	}
}

func (g *graphFake) signal(m map[string]chan struct{}, key string) {
	g.mu.Lock()
	ch := m[key]
	g.mu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// expect registers the channel the next reply to recipient (or ticket of
// conversation) signals.
func (g *graphFake) expect(m map[string]chan struct{}, key string) chan struct{} {
	ch := make(chan struct{}, 1)
	g.mu.Lock()
	m[key] = ch
	g.mu.Unlock()
	return ch
}

// notification is a signed WhatsApp notification of one text message.
func notification(wamid, from, text string) ([]byte, string) {
	body := fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":`+
		`{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":%q},`+
		`"contacts":[{"profile":{"name":"Anna"},"wa_id":%q}],"messages":[{"from":%q,"id":%q,"timestamp":%q,"type":"text","text":{"body":%q}}]}}]}]}`,
		benchNumber, from, from, wamid, strconv.FormatInt(time.Now().Unix(), 10), text)
	m := hmac.New(sha256.New, []byte(benchSecret))
	m.Write(body)
	return body, "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// deliver POSTs a notification to h in process and checks the 200.
func deliver(b *testing.B, h http.Handler, body []byte, sig string) {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sig)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Errorf("webhook answered %d: %s", rec.Code, rec.Body)
	}
}

// reference is the bare handler Baton is measured against.
type reference struct {
	client *http.Client
	url    string
	seen   sync.Map // wamid → struct{}
}

type refNotification struct {
	Entry []struct {
		Changes []struct {
			Value struct {
				Metadata struct {
					PhoneNumberID string `json:"phone_number_id"`
				} `json:"metadata"`
				Messages []struct {
					ID   string `json:"id"`
					From string `json:"from"`
					Type string `json:"type"`
					Text struct {
						Body string `json:"body"`
					} `json:"text"`
				} `json:"messages"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

func (ref *reference) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 3<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	sig, ok := strings.CutPrefix(r.Header.Get("X-Hub-Signature-256"), "sha256=")
	got, err := hex.DecodeString(sig)
	m := hmac.New(sha256.New, []byte(benchSecret))
	m.Write(body)
	if !ok || err != nil || !hmac.Equal(got, m.Sum(nil)) {
		http.Error(w, "signature", http.StatusUnauthorized)
		return
	}
	var n refNotification
	if err := json.Unmarshal(body, &n); err != nil {
		http.Error(w, "malformed", http.StatusBadRequest)
		return
	}
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			for _, msg := range c.Value.Messages {
				if _, dup := ref.seen.LoadOrStore(msg.ID, struct{}{}); dup || msg.Type != "text" {
					continue
				}
				out, _ := json.Marshal(map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": msg.From,
					"type": "text", "text": map[string]string{"body": "You said: " + msg.Text.Body}})
				req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, ref.url+"/v24.0/"+c.Value.Metadata.PhoneNumberID+"/messages", bytes.NewReader(out))
				req.Header.Set("Authorization", "Bearer "+benchToken)
				req.Header.Set("Content-Type", "application/json")
				resp, err := ref.client.Do(req)
				if err != nil {
					http.Error(w, "send", http.StatusInternalServerError)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runWebhook runs b.N messages of customers writing at once (four per
// CPU), each op sending one message and waiting for its answer, and
// reports the CPU time per message.
func runWebhook(b *testing.B, op func(customer string, n int)) {
	var next atomic.Int64
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		customer := "39333" + strconv.FormatInt(100000+next.Add(1), 10)
		for n := 0; pb.Next(); n++ {
			op(customer, n)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func BenchmarkWebhookReference(b *testing.B) {
	g := newGraphFake(b)
	ref := &reference{client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}, url: g.URL}
	var seq atomic.Int64
	runWebhook(b, func(customer string, n int) {
		wait := g.expect(g.waiting, customer)
		body, sig := notification("wamid.ref"+strconv.FormatInt(seq.Add(1), 10), customer, "hello "+strconv.Itoa(n))
		deliver(b, ref, body, sig)
		waitSignal(b, wait)
	})
}

func waitSignal(b *testing.B, ch chan struct{}) {
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		b.Fatal("no reply within 10s")
	}
}

const benchFlow = `flow: bench
languages: [en]
start: main
vars: {said: ""}
triggers:
  - {name: asks_for_human, keywords: [agent], goto: human}
states:
  main:
    say: "You said: {{ said }}"
    ask: {save_as: said}
    next: main
  human:
    handoff: {say: "A colleague will answer you here.", reason: asks_for_human}
`

// startBenchServer serves the bench flow on WhatsApp with the memory
// store, its replies and tickets going to g.
func startBenchServer(b *testing.B, g *graphFake) *Server {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bench.yaml"), []byte(benchFlow), 0o644); err != nil {
		b.Fatal(err)
	}
	src := fmt.Sprintf(`connectors:
  webhook: {url: %q, secret: "whsec_YmVuY2gtd2ViaG9vay1zZWNyZXQ="}
channels:
  whatsapp:
    - {phone_number_id: %q, flow: bench.yaml, access_token: %q, app_secret: %q, verify_token: v, graph_url: %q}
`, g.URL+"/helpdesk", benchNumber, benchToken, benchSecret, g.URL)
	cfg := loadConfig(b, dir, src)
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), NoWatch: true,
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}},
		Host:       []Option{WithDeliverOptions(handoff.DeliverPollInterval(10 * time.Millisecond))}})
	if err != nil {
		b.Fatal(err)
	}
	serve(b, srv)
	return srv
}

// BenchmarkWebhookBaton: the same message through `baton serve`'s
// handler: signature, decoding, the durable inbox, a worker's turn
// (session load and save with its reply item), the reply worker's send.
// Each customer's first message opens the conversation; the rest are
// answers to the flow's question.
func BenchmarkWebhookBaton(b *testing.B) {
	g := newGraphFake(b)
	srv := startBenchServer(b, g)
	h := srv.Handler()
	var seq atomic.Int64
	runWebhook(b, func(customer string, n int) {
		wait := g.expect(g.waiting, customer)
		body, sig := notification("wamid.baton"+strconv.FormatInt(seq.Add(1), 10), customer, "hello "+strconv.Itoa(n))
		deliver(b, h, body, sig)
		waitSignal(b, wait)
	})
}

// BenchmarkWebhookBatonHandoff: every message is a new customer asking
// for a person: the turn hands off, the reply goes to the Graph API and
// the ticket to the helpdesk (a Standard-Webhooks-signed POST).
func BenchmarkWebhookBatonHandoff(b *testing.B) {
	g := newGraphFake(b)
	srv := startBenchServer(b, g)
	h := srv.Handler()
	var seq atomic.Int64
	runWebhook(b, func(customer string, n int) {
		who := customer + strconv.Itoa(n)
		reply := g.expect(g.waiting, who)
		ticket := g.expect(g.tickets, "whatsapp:"+benchNumber+":"+who)
		body, sig := notification("wamid.handoff"+strconv.FormatInt(seq.Add(1), 10), who, "agent")
		deliver(b, h, body, sig)
		waitSignal(b, reply)
		waitSignal(b, ticket)
	})
}
