//go:build unix

package host

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
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
// loopback; one op is one customer message answered.
// BenchmarkWebhookReference is the floor: a bare net/http handler that
// checks the signature, decodes, dedupes and POSTs one text reply, all in
// the request. Each reports, besides ns/op (wall time per message with
// several customers writing at once) and allocs/op:
//
//   - cpu-ns/op: this process's CPU time (user + system, every goroutine:
//     the sender, the handler, Baton's workers, the HTTP client) per
//     message, the figure the 1.5× and 2× goals are about;
//   - fake-cpu-ns/op: the CPU time per message of the fake Graph API and
//     helpdesk, which run in a process of their own (see graphFake) so
//     that their work (parsing the requests, decoding the reply and the
//     ticket) is counted against neither path. The client side of each
//     outbound request (encoding, writing, reading the answer) stays in
//     cpu-ns/op: it is the path's own work. Besides that, this process
//     reads one line from the fake per reply or ticket to learn it
//     arrived (two for a handoff), about a microsecond each.
//
// Every op also includes the sender's own share, which
// BenchmarkWebhookSender measures alone (building and signing the
// notification, the in-process request, the wait); it is the same in all
// three and is not taken out of their cpu-ns/op, so it makes the ratios
// slightly smaller than those of the handlers alone: docs/serve.md gives
// both.
//
//	go test -run - -bench Webhook -benchmem ./host

const (
	benchSecret = "bench-app-secret"
	benchToken  = "bench-token"
	benchNumber = "106540352242922"
)

// graphFake is a minimal Graph API and helpdesk in a process of its own
// (this test binary run again with benchFakeEnv set, see TestMain): it
// checks the token, the path and the body of each reply, and the
// signature of each ticket, and writes one line per accepted request on
// its stdout ("reply RECIPIENT" or "ticket CONVERSATION"), which this
// process reads to signal the waiting sender. Its CPU is its own: the
// benchmarks report it apart as fake-cpu-ns/op, so decoding a ticket in
// the fake is not counted against the path that sent it.
type graphFake struct {
	URL     string
	mu      sync.Mutex
	waiting map[string]chan struct{} // recipient → its next reply
	tickets map[string]chan struct{} // conversation id → its ticket
}

// benchFakeEnv, set in the environment of this test binary, makes it
// serve the fake (runGraphFake) instead of running tests.
const benchFakeEnv = "BATON_BENCH_GRAPH_FAKE"

func TestMain(m *testing.M) {
	if os.Getenv(benchFakeEnv) == "1" {
		runGraphFake()
		return
	}
	os.Exit(m.Run())
}

func newGraphFake(b *testing.B) *graphFake {
	g := &graphFake{waiting: map[string]chan struct{}{}, tickets: map[string]chan struct{}{}}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), benchFakeEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe() // closed by the cleanup: the fake exits
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	b.Cleanup(func() {
		stdin.Close()
		<-done
		cmd.Wait()
	})
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		close(done)
		b.Fatalf("the fake process did not start: %v", lines.Err())
	}
	g.URL = lines.Text()
	go func() {
		defer close(done)
		for lines.Scan() {
			kind, key, _ := strings.Cut(lines.Text(), " ")
			if kind == "ticket" {
				g.signal(g.tickets, key)
			} else {
				g.signal(g.waiting, key)
			}
		}
	}()
	return g
}

// cpu is the fake process's CPU time so far.
func (g *graphFake) cpu(b *testing.B) time.Duration {
	resp, err := http.Get(g.URL + "/cpu")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var ns int64
	if _, err := fmt.Fscan(resp.Body, &ns); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ns)
}

// runGraphFake serves the fake on a free loopback port, prints its URL,
// then a line per accepted reply or ticket, until its stdin closes.
func runGraphFake() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var out sync.Mutex
	emit := func(kind, key string) {
		out.Lock()
		defer out.Unlock()
		os.Stdout.WriteString(kind + " " + key + "\n")
	}
	fmt.Println("http://" + l.Addr().String())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cpu":
			fmt.Fprint(w, cpuTime().Nanoseconds())
			return
		case "/helpdesk":
			fakeTicket(w, r, emit)
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
		emit("reply", m.To)
	}))
}

// fakeTicket takes a signed handoff.open event of the webhook connector.
func fakeTicket(w http.ResponseWriter, r *http.Request, emit func(kind, key string)) {
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
		emit("ticket", ev.Data.ConversationID)
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
	deliverFrom(b, h, body, sig, "")
}

// deliverFrom is deliver with an X-Bench-From header when from is set.
func deliverFrom(b *testing.B, h http.Handler, body []byte, sig, from string) {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sig)
	if from != "" {
		req.Header.Set("X-Bench-From", from)
	}
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
// reports the CPU time per message of this process (cpu-ns/op) and, when
// g is not nil, of the fake's (fake-cpu-ns/op).
func runWebhook(b *testing.B, g *graphFake, op func(customer string, n int)) {
	var next atomic.Int64
	b.SetParallelism(4)
	b.ReportAllocs()
	var fake time.Duration
	if g != nil {
		fake = g.cpu(b)
	}
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
	if g != nil {
		b.ReportMetric(float64((g.cpu(b)-fake).Nanoseconds())/float64(b.N), "fake-cpu-ns/op")
	}
}

// BenchmarkWebhookSender is the benchmarks' own share: building and
// signing the notification, the in-process request and recorder, and the
// wait, with a handler that only answers 200 and signals the sender. All
// three benchmarks below include it.
func BenchmarkWebhookSender(b *testing.B) {
	var waiting sync.Map // recipient → chan struct{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ch, ok := waiting.Load(r.Header.Get("X-Bench-From")); ok {
			ch.(chan struct{}) <- struct{}{}
		}
	})
	var seq atomic.Int64
	runWebhook(b, nil, func(customer string, n int) {
		wait := make(chan struct{}, 1)
		waiting.Store(customer, wait)
		body, sig := notification("wamid.sender"+strconv.FormatInt(seq.Add(1), 10), customer, "hello "+strconv.Itoa(n))
		deliverFrom(b, h, body, sig, customer)
		waitSignal(b, wait)
	})
}

func BenchmarkWebhookReference(b *testing.B) {
	g := newGraphFake(b)
	ref := &reference{client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}, url: g.URL}
	var seq atomic.Int64
	runWebhook(b, g, func(customer string, n int) {
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
		Host: []Option{WithDeliverOptions(handoff.DeliverPollInterval(10 * time.Millisecond))}})
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
	runWebhook(b, g, func(customer string, n int) {
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
	runWebhook(b, g, func(customer string, n int) {
		who := customer + strconv.Itoa(n)
		reply := g.expect(g.waiting, who)
		ticket := g.expect(g.tickets, "whatsapp:"+benchNumber+":"+who)
		body, sig := notification("wamid.handoff"+strconv.FormatInt(seq.Add(1), 10), who, "agent")
		deliver(b, h, body, sig)
		waitSignal(b, reply)
		waitSignal(b, ticket)
	})
}
