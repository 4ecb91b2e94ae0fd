package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a stderr the server's goroutines write while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `baton serve args...` until the test ends and returns
// its stderr once it serves.
func startServe(t *testing.T, args ...string) *lockedBuffer {
	t.Helper()
	stderr := &lockedBuffer{}
	e := &env{stdin: strings.NewReader(""), stdout: &lockedBuffer{}, stderr: stderr, getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, append([]string{"serve"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve exited %d:\n%s", code, stderr)
		}
	})
	waitUntil(t, "serving", func() bool { return strings.Contains(stderr.String(), `"msg":"serving"`) })
	return stderr
}

// waitUntil waits for cond, failing after two minutes: the bound only
// ends a hang (serve under the race detector on a busy machine trains the
// NLU prior for several seconds before it serves).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// SIGHUP reloads the flows (the watcher is off here, so only the signal
// can have done it); a flow that no longer validates is refused. Serve
// says it watches the files before it says it serves, so at "serving"
// the watcher's absence is known: the test used to change the flow and
// wait 300 ms for no reload, less than a watcher takes on a busy machine.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	start := func(watch bool) (string, []byte, *lockedBuffer) {
		dir := t.TempDir()
		flow, src := copyInto(t, dir, "testdata/flows/shop.yaml")
		cfg := filepath.Join(dir, "baton.yaml")
		if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`channels:
  whatsapp:
    - {phone_number_id: "1065", flow: shop.yaml, access_token: t, app_secret: s, verify_token: v, graph_url: "http://127.0.0.1:1"}
server: {listen: %q}
`, freeAddr(t))), 0o644); err != nil {
			t.Fatal(err)
		}
		return flow, src, startServe(t, "--config", cfg, fmt.Sprintf("--watch=%v", watch))
	}
	const watching = "watching the flow files for changes"
	if _, _, stderr := start(true); !strings.Contains(stderr.String(), watching) {
		t.Fatalf("serve said it serves before it watched the flow files:\n%s", stderr)
	}
	flow, src, stderr := start(false)
	if strings.Contains(stderr.String(), watching) {
		t.Fatalf("serve --watch=false watches the flow files:\n%s", stderr)
	}
	if err := os.WriteFile(flow, bytes.Replace(src, []byte("How can I help?"), []byte("Ask me anything."), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the reload", func() bool { return strings.Contains(stderr.String(), "flow reloaded") })
	if n := strings.Count(stderr.String(), "flow reloaded"); n != 1 || strings.Contains(stderr.String(), "a flow file changed") {
		t.Fatalf("%d reloads after one SIGHUP, or one on a change:\n%s", n, stderr)
	}
	if err := os.WriteFile(flow, []byte("flow: shop\nstates: {"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the refusal", func() bool { return strings.Contains(stderr.String(), "does not validate") })
}

// `baton serve FLOW`: the web chat on the flow, with the sandbox: the
// order lookup answered by the flow's sandbox: response, and the handoff
// captured and shown at /api/tickets, not sent.
func TestServeFlowWithoutConfig(t *testing.T) {
	addr := freeAddr(t)
	stderr := startServe(t, "testdata/flows/shop.yaml", "--listen", addr)
	base := "http://" + addr
	if !strings.Contains(stderr.String(), "open "+base+"/ in a browser") {
		t.Errorf("stderr does not say what to open:\n%s", stderr)
	}
	post := func(body string) string {
		t.Helper()
		resp, err := http.Post(base+"/api/messages", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got struct{ Conversation string }
		if resp.StatusCode != http.StatusAccepted || json.NewDecoder(resp.Body).Decode(&got) != nil {
			t.Fatalf("posting %s: %d", body, resp.StatusCode)
		}
		return got.Conversation
	}
	conv := post(`{"text":"hello","name":"Anna"}`)
	for _, m := range []string{`"payload":"order"`, `"text":"A12345"`, `"text":"agent"`} {
		time.Sleep(50 * time.Millisecond)
		post(fmt.Sprintf(`{"conversation":%q,%s}`, conv, m))
	}
	var tickets struct {
		Note    string
		Tickets []struct {
			ID      string
			Handoff struct {
				ConversationID string `json:"conversation_id"`
				Vars           map[string]any
			}
		}
	}
	waitUntil(t, "the captured ticket", func() bool {
		resp, err := http.Get(base + "/api/tickets")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&tickets) == nil && len(tickets.Tickets) == 1
	})
	tk := tickets.Tickets[0]
	if tk.ID != "T-1" || tk.Handoff.ConversationID != "web:web:"+conv || tk.Handoff.Vars["order_id"] != "A12345" || !strings.Contains(tickets.Note, "not sent") {
		t.Errorf("ticket %+v (%s)", tk, tickets.Note)
	}
	if !strings.Contains(stderr.String(), "ticket captured") {
		t.Errorf("the log does not show the ticket:\n%s", stderr)
	}
}

// Listening on every address (--listen 0.0.0.0:PORT or :PORT, to try the
// chat from a phone), the banner names a URL a browser opens on this
// machine: http://0.0.0.0:PORT/ and http://[::]:PORT/ are not addresses
// to connect to (refused on Windows and by recent browsers).
func TestServeFlowOnEveryAddressSaysWhatToOpen(t *testing.T) {
	_, port, err := net.SplitHostPort(freeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	stderr := startServe(t, "testdata/flows/shop.yaml", "--listen", "0.0.0.0:"+port)
	if want := "open http://127.0.0.1:" + port + "/ in a browser"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}
}

// `baton load --serve URL TESTS` drives a running server through its web
// chat and reports turns per second and the first reply's latency.
func TestLoadServe(t *testing.T) {
	addr := freeAddr(t)
	startServe(t, "testdata/flows/shop.yaml", "--listen", addr)
	code, stdout, stderr := runCLI(t, "", "load", "--serve", "http://"+addr, "--duration", "1s", "--concurrency", "4", "--json", "testdata/tests/shop_pass.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	var rep struct {
		Turns       int64   `json:"turns"`
		TurnsPerSec float64 `json:"turns_per_second"`
		P50         float64 `json:"p50_ms"`
		P99         float64 `json:"p99_ms"`
		Errors      int64   `json:"errors"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if rep.Turns == 0 || rep.TurnsPerSec <= 0 || rep.P50 <= 0 || rep.P99 < rep.P50 || rep.Errors != 0 {
		t.Errorf("report %+v", rep)
	}
	code, _, stderr = runCLI(t, "", "load", "--serve", "http://"+addr, "--store", "bolt", "testdata/tests/shop_pass.yaml")
	if code != exitUsage || !strings.Contains(stderr, "drop --store") {
		t.Errorf("--serve with --store: %d %s", code, stderr)
	}
}

// `baton serve FLOW --sandbox` serves the web sandbox of the flow beside
// the web chat; with a config it is refused.
func TestServeSandboxPage(t *testing.T) {
	addr := freeAddr(t)
	stderr := startServe(t, "../../examples/flows/support.yaml", "--sandbox", "--listen", addr)
	if !strings.Contains(stderr.String(), "/sandbox/") {
		t.Errorf("serve does not say where the sandbox is:\n%s", stderr)
	}
	r, err := http.Get("http://" + addr + "/sandbox/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusOK || !bytes.Contains(page, []byte(`type="importmap"`)) {
		t.Fatalf("GET /sandbox/: %d\n%s", r.StatusCode, page)
	}
	r, err = http.Post("http://"+addr+"/sandbox/api/message", "application/json", strings.NewReader(`{"text":"ciao"}`))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		State string `json:"state"`
	}
	json.NewDecoder(r.Body).Decode(&st)
	r.Body.Close()
	if r.StatusCode != http.StatusOK || st.State != "main_menu" {
		t.Errorf("POST /sandbox/api/message: %d, state %q", r.StatusCode, st.State)
	}
	code, _, errOut := runCLI(t, "", "serve", "--config", "../../examples/baton.yaml", "--sandbox")
	if code != exitUsage || !strings.Contains(errOut, "--sandbox is for trying a flow") {
		t.Errorf("--sandbox with --config: exit %d\n%s", code, errOut)
	}
}

// `baton serve FLOW --sandbox` watches the flow files for the web sandbox
// too before it says it serves, as it does for the served flow: a flow
// saved from then on reloads both.
func TestServeSandboxWatchesBeforeServing(t *testing.T) {
	dir := t.TempDir()
	flow, _ := copyInto(t, dir, "testdata/flows/shop.yaml")
	stderr := startServe(t, flow, "--sandbox", "--listen", freeAddr(t))
	before, _, _ := strings.Cut(stderr.String(), `"msg":"serving"`)
	if n := strings.Count(before, "watching the flow files for changes"); n != 2 {
		t.Fatalf("%d watchers set up before serving, want the served flow's and the web sandbox's:\n%s", n, stderr)
	}
}

// SIGHUP reloads the web sandbox of `baton serve FLOW --sandbox` too, not
// only the served flow: its page would go on with the old version.
func TestServeSandboxReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	flow, src := copyInto(t, dir, "testdata/flows/shop.yaml")
	stderr := startServe(t, flow, "--sandbox", "--watch=false", "--listen", freeAddr(t))
	if err := os.WriteFile(flow, bytes.Replace(src, []byte("How can I help?"), []byte("Ask me anything."), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the served flow's reload", func() bool { return strings.Contains(stderr.String(), "flow reloaded") })
	waitUntil(t, "the sandbox's reload", func() bool { return strings.Contains(stderr.String(), "reloaded the flow") })
}

// `baton serve FLOW --events FILE --events-text`: the events hold what the
// customer and the bot wrote, as docs/analytics.md and docs/replay.md
// promise of --events-text, so `baton replay` can run them again; without
// it they hold sizes only.
func TestServeEventsText(t *testing.T) {
	for _, withText := range []bool{false, true} {
		addr := freeAddr(t)
		events := filepath.Join(t.TempDir(), "events.jsonl")
		args := []string{"testdata/flows/shop.yaml", "--listen", addr, "--events", events}
		if withText {
			args = append(args, "--events-text")
		}
		startServe(t, args...)
		resp, err := http.Post("http://"+addr+"/api/messages", "application/json", strings.NewReader(`{"text":"hello there"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		texts := map[string]string{}
		waitUntil(t, "the events", func() bool {
			b, _ := os.ReadFile(events)
			for _, line := range strings.Split(string(b), "\n") {
				var ev struct{ Type, Text string }
				if json.Unmarshal([]byte(line), &ev) == nil && ev.Type != "" {
					texts[ev.Type] += ev.Text
				}
			}
			_, in := texts["message_in"]
			_, out := texts["message_out"]
			return in && out
		})
		switch {
		case withText && (texts["message_in"] != "hello there" || texts["message_out"] == ""):
			t.Errorf("--events-text: message_in %q, message_out %q", texts["message_in"], texts["message_out"])
		case !withText && (texts["message_in"] != "" || texts["message_out"] != ""):
			t.Errorf("without --events-text the texts are in: %q", texts)
		}
	}
}

// TestServeConfigExtraKeys: the serve sections' names are exact, and extra
// keys are fine: a key near no known one (an annotation, another tool's
// setting) is ignored with a warning in the log, while a near miss of a
// known key is a typo whose setting would be lost, and stops the server.
func TestServeConfigExtraKeys(t *testing.T) {
	dir := t.TempDir()
	flow, err := os.ReadFile("testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shop.yaml"), flow, 0o644); err != nil {
		t.Fatal(err)
	}
	write := func(name, src string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	extra := write("extra.yaml", fmt.Sprintf(`server: {listen: %q, owner: support-team}
store: {kind: memory}
channels:
  web:
    - flow: shop.yaml
      comment: the shop's widget
x-deploy: {region: eu}
`, freeAddr(t)))
	stderr := startServe(t, "--config", extra)
	for _, want := range []string{
		`unknown key \"owner\" in server is ignored`,
		`unknown key \"comment\" in channels.web[0] is ignored`,
		`unknown key \"x-deploy\" in the config is ignored`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the log lacks the warning %s:\n%s", want, stderr)
		}
	}

	typo := write("typo.yaml", "server: {listne: \"127.0.0.1:0\"}\nchannels:\n  web:\n    - flow: shop.yaml\n")
	code, stdout, stderr2 := runCLI(t, "", "serve", "--config", typo)
	wantCode(t, code, exitFailed, stdout, stderr2)
	if !strings.Contains(stderr2, typo+`:1:10: error: unknown key "listne" in server; did you mean "listen"?`) {
		t.Errorf("the typo is not reported at its place:\n%s", stderr2)
	}
}

// --events-text with nowhere to write the events (no --events, and for
// serve no events: sink in the config) would do nothing: chat, test, load
// and serve refuse it (exit 2) and say what to add. With a sink in the
// config, serve takes it.
func TestEventsTextNeedsEvents(t *testing.T) {
	dir := t.TempDir()
	flow, _ := copyInto(t, dir, "testdata/flows/shop.yaml")
	config := func(name, events string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(fmt.Sprintf(`channels:
  whatsapp:
    - {phone_number_id: "1065", flow: shop.yaml, access_token: t, app_secret: s, verify_token: v, graph_url: "http://127.0.0.1:1"}
server: {listen: %q}
%s`, freeAddr(t), events)), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"chat", "--events-text", flow}, "add --events FILE"},
		{[]string{"test", "--events-text", "testdata/tests/shop_pass.yaml"}, "add --events FILE"},
		{[]string{"load", "--events-text", "--conversations", "1", "testdata/tests/shop_pass.yaml"}, "add --events FILE"},
		{[]string{"serve", "--events-text", "--listen", freeAddr(t), flow}, "add --events FILE"},
		{[]string{"serve", "--events-text", "--config", config("none.yaml", "")}, "an events: section"},
		{[]string{"serve", "--events-text", "--config", config("salt.yaml", "events: {salt: x}\n")}, "an events: section"},
	} {
		t.Run(strings.Join(tc.args[:2], " "), func(t *testing.T) {
			// A serve that started would run until stopped: 5 s, then it
			// stops with exit 0.
			var stdout, stderr lockedBuffer
			e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			code := run(ctx, e, tc.args)
			wantCode(t, code, exitUsage, stdout.String(), stderr.String())
			if !strings.Contains(stderr.String(), "--events-text") || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr does not say what to add (%s):\n%s", tc.want, stderr.String())
			}
		})
	}
	events := filepath.Join(dir, "events.jsonl")
	stderr := startServe(t, "--events-text", "--config", config("file.yaml", "events: {file: "+events+"}\n"))
	waitUntil(t, "the server", func() bool { return strings.Contains(stderr.String(), "serving") })
}
