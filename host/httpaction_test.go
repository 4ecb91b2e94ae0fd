package host

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

const httpFlow = `flow: orders
languages: [en]
start: lookup
states:
  lookup:
    http:
      method: POST
      url: "{{ base }}/orders?key=${SHOP_KEY}"
      headers: {Authorization: "Bearer ${SHOP_TOKEN}"}
      body: {note: "{{ note }}"}
      save_as: order
    next: [{goto: done}]
  done:
    say: ok
vars:
  base: ""
  note: ""
`

func TestHTTPCaller(t *testing.T) {
	var mu sync.Mutex
	var got *http.Request
	var gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/orders" {
			mu.Lock()
			got, gotBody = r, string(b)
			mu.Unlock()
		}
		switch r.URL.Path {
		case "/slow": // answers only when the caller has given up
			<-r.Context().Done()
		case "/big":
			w.Write([]byte(strings.Repeat("x", 2000)))
			return
		}
		w.Write([]byte(`{"status":"shipped"}`))
	}))
	defer srv.Close()
	f, diags := dsl.Load("orders.yaml", []byte(httpFlow))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	env := map[string]string{"SHOP_KEY": "k1", "SHOP_TOKEN": "t0k", "OTHER": "leak"}
	h := NewHTTPCaller(HTTPEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }), HTTPMaxResponse(1000))
	if names := h.Allow(f); strings.Join(names, ",") != "SHOP_KEY,SHOP_TOKEN" {
		t.Errorf("allowed %v", names)
	}
	ctx := context.Background()
	res := h.Call(ctx, flows.HTTPRequest{ID: "r1", Method: "POST", URL: srv.URL + "/orders?key=${SHOP_KEY}",
		Headers: map[string]string{"Authorization": "Bearer ${SHOP_TOKEN}"}, Body: `{"note":"${OTHER}"}`, Timeout: time.Second})
	if res.Err != "" || res.Status != 200 || string(res.Body) != `{"status":"shipped"}` || res.ID != "r1" {
		t.Fatalf("result %+v", res)
	}
	mu.Lock()
	defer mu.Unlock()
	if got.URL.Query().Get("key") != "k1" || got.Header.Get("Authorization") != "Bearer t0k" || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %v", got.URL, got.Header)
	}
	if gotBody != `{"note":"${OTHER}"}` {
		t.Errorf("a name the flow does not write was filled: %s", gotBody)
	}

	res = h.Call(ctx, flows.HTTPRequest{ID: "r2", Method: "GET", URL: srv.URL + "/slow", Timeout: 50 * time.Millisecond})
	if res.Err != "timeout after 50ms" {
		t.Errorf("slow: %+v", res)
	}
	res = h.Call(ctx, flows.HTTPRequest{ID: "r3", Method: "GET", URL: srv.URL + "/big", Timeout: time.Second})
	if !strings.Contains(res.Err, "over 1000 bytes") || res.Body != nil {
		t.Errorf("big: %+v", res)
	}
	delete(env, "SHOP_TOKEN")
	res = h.Call(ctx, flows.HTTPRequest{ID: "r4", Method: "GET", URL: srv.URL, Headers: map[string]string{"Authorization": "Bearer ${SHOP_TOKEN}"}})
	if !strings.Contains(res.Err, "SHOP_TOKEN is not set") {
		t.Errorf("unset: %+v", res)
	}
	res = h.Call(ctx, flows.HTTPRequest{ID: "r5", Method: "GET", URL: "http://127.0.0.1:1/x?key=${SHOP_KEY}", Timeout: time.Second})
	if res.Err == "" || strings.Contains(res.Err, "k1") {
		t.Errorf("a refused connection: %+v (the secret must not show)", res)
	}
}

// server.http_timeout is the timeout of the HTTP actions that give none of
// their own; an action's own timeout stays. It was ignored: every action
// without one took the flow language's 10 seconds.
func TestServeHTTPTimeoutIsTheDefault(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, `{}`) }))
	defer api.Close()
	dir := t.TempDir()
	flow := `flow: timeouts
languages: [en]
start: first
states:
  first:
    http: {url: "` + api.URL + `/a", save_as: a}
    next: [{goto: second}]
  second:
    http: {url: "` + api.URL + `/b", timeout: 5s, save_as: b}
    next: [{goto: done}]
  done:
    say: ok
`
	if err := os.WriteFile(filepath.Join(dir, "flow.yaml"), []byte(flow), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, dir, "server: {http_timeout: 3s}\nchannels:\n  web: [{name: site, flow: flow.yaml}]\n")
	var mu sync.Mutex
	got := map[string]time.Duration{}
	observe := WithObserver(Observer{Called: func(_ string, r flows.HTTPRequest, _ *flows.HTTPResult) {
		mu.Lock()
		defer mu.Unlock()
		got[r.URL[len(api.URL):]] = r.Timeout
	}})
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), NoWatch: true, Host: []Option{observe, WithPoll(5 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, srv)
	if err := srv.Host.Receive(context.Background(), flows.Inbound{ID: "m1", Channel: flows.ChannelWeb, Account: "site",
		Contact: flows.Contact{ID: "v1"}, Input: flows.Input{Kind: flows.InputMessage, Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both calls", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 2 })
	if got["/a"] != 3*time.Second || got["/b"] != 5*time.Second {
		t.Errorf("timeouts %v, want /a:3s (server.http_timeout) and /b:5s (its own)", got)
	}
}

// Only the ${NAME} references the flow writes are filled: a customer who
// types ${SHOP_TOKEN} into an answer the flow sends on must not get the
// token put there, where the API may store or echo it (and the flow then
// show it). Names the flow writes itself were filled anywhere in the
// rendered request, the customer's words included.
func TestHTTPActionDoesNotFillTheCustomersReferences(t *testing.T) {
	var mu sync.Mutex
	var auth, body string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		auth, body = r.Header.Get("X-Token"), string(b)
		mu.Unlock()
		w.Write(b) // an API that echoes what it stored
	}))
	defer api.Close()
	flow := `flow: notes
languages: [en]
start: ask
states:
  ask:
    say: "Your note?"
    ask: {save_as: note}
    next: send
  send:
    http:
      method: POST
      url: "` + api.URL + `/notes"
      headers: {X-Token: "${SHOP_TOKEN}", X-Note: "{{ note }}"}
      body: {note: "{{ note }}"}
      save_as: res
    next: [{goto: done}]
  done:
    say: "Saved: {{ res.body.note }}"
`
	replies := runWithShopToken(t, "notes.yaml", flow, "hi", "${SHOP_TOKEN}")
	mu.Lock()
	defer mu.Unlock()
	if auth != "t0k-secret" {
		t.Errorf("the flow's own reference was not filled: %q", auth)
	}
	if body != `{"note":"${SHOP_TOKEN}"}` {
		t.Errorf("the body sent: %s", body)
	}
	if got := replies[1]; strings.Contains(got, "t0k-secret") {
		t.Errorf("the customer was shown the secret: %q", got)
	}
}

// A request that carries a secret from the environment follows no
// redirect to another host: net/http keeps only Authorization and cookies
// from such a redirect, so an X-Api-Key: ${KEY} header (and a 307's body)
// went to whatever server the API redirected to. The flow gets the
// redirect's answer instead; a redirect on the same host is followed.
func TestHTTPCallerKeepsSecretsOnItsHost(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaked = append(leaked, r.Header.Get("X-Api-Key"))
		mu.Unlock()
		io.WriteString(w, `{"moved":true}`)
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/final", http.StatusFound)
		default:
			io.WriteString(w, `{"ok":true}`)
		}
	}))
	defer api.Close()
	f, diags := dsl.Load("k.yaml", []byte("flow: k\nlanguages: [en]\nstart: a\nstates:\n  a:\n    http: {url: \"http://x\", headers: {X-Api-Key: \"${KEY}\"}}\n    next: [{goto: b}]\n  b:\n    say: ok\n"))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	h := NewHTTPCaller(HTTPEnv(func(string) (string, bool) { return "k-secret", true }))
	h.Allow(f)
	ctx := context.Background()
	res := h.Call(ctx, flows.HTTPRequest{ID: "r1", Method: "GET", URL: api.URL + "/away", Headers: map[string]string{"X-Api-Key": "${KEY}"}, Timeout: 5 * time.Second})
	if res.Status != http.StatusFound {
		t.Errorf("a redirect to another host: %+v", res)
	}
	res = h.Call(ctx, flows.HTTPRequest{ID: "r2", Method: "GET", URL: api.URL + "/here", Headers: map[string]string{"X-Api-Key": "${KEY}"}, Timeout: 5 * time.Second})
	if res.Status != http.StatusOK || string(res.Body) != `{"ok":true}` {
		t.Errorf("a redirect on the same host: %+v", res)
	}
	res = h.Call(ctx, flows.HTTPRequest{ID: "r3", Method: "GET", URL: api.URL + "/away", Timeout: 5 * time.Second})
	if res.Status != http.StatusOK || string(res.Body) != `{"moved":true}` {
		t.Errorf("a request without secrets follows redirects as before: %+v", res)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, k := range leaked {
		if k != "" {
			t.Errorf("the other host got the secret %q", k)
		}
	}
}

// An HTTP action's own timeout above 30 seconds (a slow LLM or ERP API)
// was cut to 30 seconds without a word; it is honoured up to
// MaxHTTPTimeout, and a longer one is cut to that.
func TestServeHonoursAnActionsOwnTimeout(t *testing.T) {
	dir := t.TempDir()
	flow := `flow: slow
languages: [en]
start: first
states:
  first:
    http: {url: "https://api.example.com/slow", timeout: 90s, save_as: a}
    next: [{goto: second}]
  second:
    http: {url: "https://api.example.com/slower", timeout: 5m, save_as: b}
    next: [{goto: done}]
  done:
    say: ok
`
	if err := os.WriteFile(filepath.Join(dir, "flow.yaml"), []byte(flow), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, dir, "channels:\n  web: [{name: site, flow: flow.yaml}]\n")
	var mu sync.Mutex
	left := map[string]time.Duration{} // by path: the request's deadline, from when it is sent
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		d, _ := r.Context().Deadline()
		mu.Lock()
		left[r.URL.Path] = time.Until(d)
		mu.Unlock()
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
	})}
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), NoWatch: true, HTTPClient: client,
		Host: []Option{WithPoll(5 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, srv)
	if err := srv.Host.Receive(context.Background(), flows.Inbound{ID: "m1", Channel: flows.ChannelWeb, Account: "site",
		Contact: flows.Contact{ID: "v1"}, Input: flows.Input{Kind: flows.InputMessage, Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both calls", func() bool { mu.Lock(); defer mu.Unlock(); return len(left) == 2 })
	mu.Lock()
	defer mu.Unlock()
	if l := left["/slow"]; l <= 80*time.Second || l > 90*time.Second {
		t.Errorf("the 90s action's call had %v left, want its own 90s", l)
	}
	if l := left["/slower"]; l <= MaxHTTPTimeout-10*time.Second || l > MaxHTTPTimeout {
		t.Errorf("the 5m action's call had %v left, want the cap %v", l, MaxHTTPTimeout)
	}
}

// The escape of a customer's ${ (flows.EscapeEnvRefs) was per hole: a
// value starting with { after a $ (one the flow writes, "${{ offer }}", a
// price in dollars, or one a hole's value ends with) made a ${NAME} that
// the host filled with the secret; the API that echoes it handed it to
// the customer.
func TestHTTPActionDoesNotFillAReferenceMadeAcrossAHole(t *testing.T) {
	var mu sync.Mutex
	var offer, twice string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		offer, twice = r.Header.Get("X-Offer"), r.Header.Get("X-Twice")
		mu.Unlock()
		fmt.Fprintf(w, `{"offer":%q}`, r.Header.Get("X-Offer")) // an API that echoes what it stored
	}))
	defer api.Close()
	flow := `flow: offers
languages: [en]
start: ask
states:
  ask:
    say: "Your offer?"
    ask: {save_as: offer}
    next: send
  send:
    http:
      method: POST
      url: "` + api.URL + `/offers"
      headers: {X-Token: "${SHOP_TOKEN}", X-Offer: "${{ offer }}", X-Twice: "{{ offer }}{{ offer }}"}
      save_as: res
    next: [{goto: done}]
  done:
    say: "Saved: {{ res.body.offer }}"
`
	replies := runWithShopToken(t, "offers.yaml", flow, "hi", "{SHOP_TOKEN}$")
	mu.Lock()
	defer mu.Unlock()
	if offer != "${SHOP_TOKEN}$" || twice != "{SHOP_TOKEN}${SHOP_TOKEN}$" {
		t.Errorf("the headers sent: X-Offer %q, X-Twice %q; want the customer's text as written", offer, twice)
	}
	if got := replies[1]; strings.Contains(got, "t0k-secret") {
		t.Errorf("the customer was shown the secret: %q", got)
	}
}

// runWithShopToken serves flow on a web host whose environment holds
// SHOP_TOKEN=t0k-secret, sends the customer's texts one after the other
// and returns the bot's two replies once they came.
func runWithShopToken(t *testing.T, name, flow string, texts ...string) []string {
	t.Helper()
	f, diags := dsl.Load(name, []byte(flow))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	env := func(n string) (string, bool) {
		if n == "SHOP_TOKEN" {
			return "t0k-secret", true
		}
		return "", false
	}
	h, ch := webHost(t, memory.New(), f, WithHTTP(NewHTTPCaller(HTTPEnv(env))), WithPoll(5*time.Millisecond))
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	defer func() { stop(); <-done }()
	for i, text := range texts {
		if err := h.Receive(context.Background(), flows.Inbound{ID: "m" + string(rune('1'+i)), Channel: flows.ChannelWeb, Account: "site",
			Contact: flows.Contact{ID: "v1"}, Input: flows.Input{Kind: flows.InputMessage, Text: text}}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the bot's replies", func() bool { return len(ch.texts()) == 2 })
	return ch.texts()
}

// A failed HTTP action's error reaches the log ("an HTTP action failed")
// and the flow: its URL's query, where a flow puts what the customer wrote
// or a key written in the flow, is left out; the host and path stay, to
// tell which call failed.
func TestHTTPActionErrorLeavesTheQueryOut(t *testing.T) {
	h := NewHTTPCaller()
	res := h.Call(context.Background(), flows.HTTPRequest{ID: "r1", Method: "GET",
		URL: "http://127.0.0.1:1/find?q=my%20name%20is%20Mario%20Rossi&api_key=sk-live-k1#frag", Timeout: time.Second})
	if res.Err == "" || strings.Contains(res.Err, "Mario") || strings.Contains(res.Err, "sk-live") {
		t.Errorf("the error shows the query: %q", res.Err)
	}
	if !strings.Contains(res.Err, "http://127.0.0.1:1/find") {
		t.Errorf("the error does not say which URL failed: %q", res.Err)
	}
}

// The user and password written in an HTTP action's URL stay out of its
// error too (net/http shows the user, and the URL as the flow wrote it
// showed the password).
func TestHTTPActionErrorLeavesTheUserinfoOut(t *testing.T) {
	h := NewHTTPCaller()
	res := h.Call(context.Background(), flows.HTTPRequest{ID: "r1", Method: "GET",
		URL: "http://shopbot:hunter2@127.0.0.1:1/find?q=1", Timeout: time.Second})
	if res.Err == "" || strings.Contains(res.Err, "hunter2") || strings.Contains(res.Err, "shopbot") {
		t.Errorf("the error shows the userinfo: %q", res.Err)
	}
	if !strings.Contains(res.Err, "http://127.0.0.1:1/find?…") {
		t.Errorf("the error does not say which URL failed: %q", res.Err)
	}
}
