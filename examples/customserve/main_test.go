package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/handoff"
)

const testFlow = `flow: bot
languages: [en]
start: main
vars: {said: ""}
triggers:
  - {name: asks_for_human, keywords: [agent], goto: human}
states:
  main:
    say: "Hi, what can I do for you?"
    ask: {save_as: said}
    next: main
  human:
    handoff: {say: "A colleague will answer you here.", reason: asks_for_human}
`

// chatwootFake records the paths POSTed to it, answering as Chatwoot.
type chatwootFake struct {
	*httptest.Server
	mu     sync.Mutex
	paths  []string
	bodies []string
}

func newChatwootFake(t *testing.T) *chatwootFake {
	f := &chatwootFake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("api_access_token") != "cw-token" {
			http.Error(w, `{"error":"Invalid Access Token"}`, http.StatusUnauthorized)
			return
		}
		f.mu.Lock()
		f.paths = append(f.paths, r.Method+" "+r.URL.Path)
		f.bodies = append(f.bodies, string(body))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/contacts"):
			io.WriteString(w, `{"payload":{"contact":{"id":7},"contact_inbox":{"source_id":"src-1"}}}`)
		case strings.HasSuffix(r.URL.Path, "/conversations"):
			io.WriteString(w, `{"id":42}`)
		default:
			io.WriteString(w, `{}`)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *chatwootFake) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

// project writes the flow and a baton.yaml of extra lines to a temporary
// directory and returns the config's path.
func project(t *testing.T, extra string) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bot.yaml"), []byte(testFlow), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := "server: {listen: \"127.0.0.1:0\"}\nchannels:\n  web: [{flow: bot.yaml}]\n" + extra
	path := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func envOf(cw *chatwootFake) func(string) string {
	env := map[string]string{"BATON_CHATWOOT_URL": cw.URL, "BATON_CHATWOOT_ACCOUNT_ID": "1", "BATON_CHATWOOT_INBOX_ID": "2", "BATON_CHATWOOT_TOKEN": "cw-token"}
	return func(k string) string { return env[k] }
}

// TestHandoffReachesTheCustomConnector: a web customer asks for a person,
// and the handoff opens a conversation in the fake Chatwoot, routed there
// by the config's connectors.default; SIGTERM's context ends it with 0.
func TestHandoffReachesTheCustomConnector(t *testing.T) {
	serveUntilOpened(t, "connectors: {default: chatwoot}\n", "agent please")
}

// TestHandoffMaskedAsConfigured: with masking: true the custom connector
// masks the customer's e-mail address in the conversation it opens, as the
// built-in ones do: the program gives it the options the config gives
// every connector (handoff.ConfigOptions).
func TestHandoffMaskedAsConfigured(t *testing.T) {
	const email = "mario.rossi@example.com"
	cw := serveUntilOpened(t, "masking: true\nconnectors: {default: chatwoot}\n", "write to "+email, "agent please")
	cw.mu.Lock()
	defer cw.mu.Unlock()
	for i, p := range cw.paths {
		if p == "POST /api/v1/accounts/1/conversations" && strings.Contains(cw.bodies[i], email) {
			t.Errorf("the conversation shows the address with masking: true:\n%s", cw.bodies[i])
		}
	}
}

// TestAgentRepliesComeBack: the agent's reply on the custom helpdesk
// reaches the customer through the bridge's generic callback (bridge:
// webhook:), which the helpdesk, or a relay of the program's own, posts
// to as docs/channels.md says, naming the conversation Baton opened the
// ticket for.
func TestAgentRepliesComeBack(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	p := start(t, "connectors: {default: chatwoot}\nbridge:\n  webhook: {secret: "+secret+"}\n")
	p.post("agent please")
	p.waitOpened()
	// The conversation Baton opened the ticket for, as the connector wrote
	// it on the Chatwoot conversation (custom_attributes).
	var open struct {
		Attributes struct {
			Conversation string `json:"baton_conversation_id"`
		} `json:"custom_attributes"`
	}
	p.cw.mu.Lock()
	for i, path := range p.cw.paths {
		if path == "POST /api/v1/accounts/1/conversations" {
			json.Unmarshal([]byte(p.cw.bodies[i]), &open)
		}
	}
	p.cw.mu.Unlock()
	body, _ := json.Marshal(map[string]string{"type": "agent.message", "conversation_id": open.Attributes.Conversation, "text": "Hi, I'm Anna", "agent": "Anna"})
	now := time.Now()
	sig, err := handoff.SignWebhook(secret, "cw-msg-1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+p.addr+"/bridge/webhook", bytes.NewReader(body))
	req.Header.Set("webhook-id", "cw-msg-1")
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /bridge/webhook: %d, want 204", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.addr+"/api/events?conversation="+p.conversation, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if strings.Contains(lines.Text(), `"from":"agent"`) && strings.Contains(lines.Text(), "Hi, I'm Anna") {
			p.stop()
			return
		}
	}
	t.Fatalf("the customer never got the agent's reply (%v); log: %s", lines.Err(), p.stderr.String())
}

// serveUntilOpened runs the program on a project with the config's extra
// lines, posts the web customer's messages, and returns the fake Chatwoot
// once a conversation was opened in it and the program exited with 0.
func serveUntilOpened(t *testing.T, extra string, messages ...string) *chatwootFake {
	t.Helper()
	p := start(t, extra)
	p.post(messages...)
	p.waitOpened()
	p.stop()
	return p.cw
}

// program is the program serving a project, with its fake Chatwoot.
type program struct {
	t      *testing.T
	cw     *chatwootFake
	addr   string
	stderr *lockedBuffer
	cancel context.CancelFunc
	exit   chan int
	// conversation is the web customer's, once a message was posted.
	conversation string
}

// start runs the program on a project with the config's extra lines
// until it serves.
func start(t *testing.T, extra string) *program {
	t.Helper()
	p := &program{t: t, cw: newChatwootFake(t), stderr: &lockedBuffer{}, exit: make(chan int, 1)}
	cfg := project(t, extra)
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	t.Cleanup(cancel)
	ready := make(chan string, 1)
	go func() { p.exit <- run(ctx, []string{"--config", cfg}, envOf(p.cw), p.stderr, ready) }()
	select {
	case p.addr = <-ready:
	case code := <-p.exit:
		t.Fatalf("exited with %d before serving: %s", code, p.stderr.String())
	}
	return p
}

// post sends the web customer's messages.
func (p *program) post(messages ...string) {
	p.t.Helper()
	for _, m := range messages {
		body, _ := json.Marshal(map[string]string{"conversation": p.conversation, "text": m})
		resp, err := http.Post("http://"+p.addr+"/api/messages", "application/json", bytes.NewReader(body))
		if err != nil {
			p.t.Fatal(err)
		}
		var got struct {
			Conversation string `json:"conversation"`
		}
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			p.t.Fatalf("POST /api/messages: %d", resp.StatusCode)
		}
		p.conversation = got.Conversation
	}
}

// waitOpened waits for a conversation opened in the fake Chatwoot.
func (p *program) waitOpened() {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !opened(p.cw.seen()) {
		if time.Now().After(deadline) {
			p.t.Fatalf("no Chatwoot conversation was opened; requests: %v\nlog: %s", p.cw.seen(), p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the program as SIGTERM does, and wants exit 0.
func (p *program) stop() {
	p.t.Helper()
	p.cancel()
	if code := <-p.exit; code != 0 {
		p.t.Fatalf("exit %d after the context ended, want 0: %s", code, p.stderr.String())
	}
}

func opened(paths []string) bool {
	for _, p := range paths {
		if p == "POST /api/v1/accounts/1/conversations" {
			return true
		}
	}
	return false
}

// TestRefused: what stops the program before it serves, and what it says.
func TestRefused(t *testing.T) {
	cw := newChatwootFake(t)
	tests := []struct {
		name  string
		extra string
		env   func(string) string
		want  string
	}{
		{"a connector the program does not provide", "connectors: {default: chatwoot2}\n", envOf(cw),
			`baton.yaml:4:23: error: connectors.default: connector "chatwoot2" is not configured; did you mean "chatwoot"?`},
		{"the connector's settings missing", "", func(string) string { return "" }, "BATON_CHATWOOT_ACCOUNT_ID must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr lockedBuffer
			code := run(context.Background(), []string{"--config", project(t, tt.extra)}, tt.env, &stderr, nil)
			if code != 1 || !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, stderr.String(), tt.want)
			}
		})
	}
}

// TestAddressInUse: an address another process holds is said before the
// store is opened, and leaves no bolt file behind.
func TestAddressInUse(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	cfg := project(t, "store: {kind: bolt, path: baton.db}\nconnectors: {default: chatwoot}\n")
	var stderr lockedBuffer
	code := run(context.Background(), []string{"--config", cfg, "--listen", held.Addr().String()}, envOf(newChatwootFake(t)), &stderr, nil)
	if code != 1 || !strings.Contains(stderr.String(), held.Addr().String()) {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and the address", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "baton.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the bolt file is left behind (%v)", err)
	}
}

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
