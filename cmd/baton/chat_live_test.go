package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/handoff/handofftest"
)

// fakeZendesk is handofftest's Zendesk with the credentials the live
// tests' configs use; it records every request.
type fakeZendesk struct {
	*handofftest.Zendesk
}

type recordedReq struct {
	Method, Path string
	Header       http.Header
	Body         string
}

func newFakeZendesk(t *testing.T) (*fakeZendesk, *httptest.Server) {
	z := handofftest.NewZendesk(t, handofftest.NewClock(time.Now()), "bot@acme.example", "s3cret", "")
	return &fakeZendesk{z}, z.Server
}

func (f *fakeZendesk) requests(method, path string) []recordedReq {
	var out []recordedReq
	for _, c := range f.Calls(method, path) {
		out = append(out, recordedReq{c.Method, c.Path, c.Header, string(c.Body)})
	}
	return out
}

// writeZendeskConfig writes a deployment config pointing at base.
func writeZendeskConfig(t *testing.T, base string, extra ...string) string {
	t.Helper()
	return writeConfig(t, `version: 1
connectors:
  zendesk:
    base_url: `+base+`
    email: bot@acme.example
    token: ${TEST_ZENDESK_TOKEN}
    groups: {support: "360003333333"}
routing:
  default_team: support
teams:
  support: {name: Support}
`+strings.Join(extra, ""))
}

// runLive runs `baton chat --json --live` with the Zendesk token set.
func runLive(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	return runLiveEnv(t, map[string]string{"TEST_ZENDESK_TOKEN": "s3cret"}, stdin, args...)
}

// runLiveEnv runs `baton chat --json --live` with vars as the whole
// environment.
func runLiveEnv(t *testing.T, vars map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	e := &env{stdin: strings.NewReader(stdin), stdout: &syncWriter{w: &out}, stderr: &syncWriter{w: &errb},
		getenv: func(k string) string { return vars[k] }}
	code := run(t.Context(), e, append([]string{"chat", "--json", "--live"}, args...))
	return code, out.String(), errb.String()
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// events decodes chat --json output, keeping those of type typ.
func events(t *testing.T, stdout, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if m["type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

const liveScript = "hello\nagent\nmy order is late\n"

func TestChatLiveOpensOneTicketWithTheTranscript(t *testing.T) {
	fake, srv := newFakeZendesk(t)
	cfg := writeZendeskConfig(t, srv.URL)
	store := filepath.Join(t.TempDir(), "store.db")
	code, stdout, stderr := runLive(t, liveScript, "--config", cfg, "--store", store, "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)

	tickets := fake.requests("POST", "/api/v2/tickets")
	if len(tickets) != 1 {
		t.Fatalf("the fake got %d ticket creations, want exactly 1\nstdout:\n%s\nstderr:\n%s", len(tickets), stdout, stderr)
	}
	body := tickets[0].Body
	for _, want := range []string{"hello", "agent", `"group_id":360003333333`} {
		if !strings.Contains(body, want) {
			t.Errorf("the ticket does not carry %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "my order is late") {
		t.Errorf("the message after the handoff is in the ticket's first comment; it belongs in an append")
	}
	if key := tickets[0].Header.Get("Idempotency-Key"); key == "" {
		t.Errorf("no Idempotency-Key on the ticket creation")
	}
	appends := fake.requests("PUT", "/api/v2/tickets/4001")
	if len(appends) != 1 || !strings.Contains(appends[0].Body, "my order is late") {
		t.Errorf("want one append to ticket 4001 with the later message, got %+v", appends)
	}
	delivered := events(t, stdout, "helpdesk_delivered")
	if len(delivered) != 2 {
		t.Fatalf("want 2 helpdesk_delivered events (open, append), got %d\n%s", len(delivered), stdout)
	}
	ticket, _ := delivered[0]["ticket"].(map[string]any)
	if ticket["id"] != "4001" || !strings.HasSuffix(ticket["url"].(string), "/agent/tickets/4001") {
		t.Errorf("the delivered open does not name the ticket: %v", delivered[0])
	}
	if routes := events(t, stdout, "route"); len(routes) != 1 || routes[0]["connector"] != "zendesk" {
		t.Errorf("want one route event to zendesk, got %v", routes)
	}
	if reqs := events(t, stdout, "helpdesk_request"); len(reqs) != 0 {
		t.Errorf("--live shows no dry-run requests, got %d", len(reqs))
	}
	if !strings.Contains(stderr, store) {
		t.Errorf("stderr does not say where the store is:\n%s", stderr)
	}

	// The store keeps both items delivered: baton handoff list shows them.
	code, list, lerr := runCLI(t, "", "handoff", "list", "--store", store)
	wantCode(t, code, exitOK, list, lerr)
	if !strings.Contains(list, "delivered") || !strings.Contains(list, "zendesk 4001") {
		t.Errorf("handoff list does not show the delivered ticket:\n%s", list)
	}
}

func TestChatLiveRetriesA429(t *testing.T) {
	fake, srv := newFakeZendesk(t)
	fake.Inject(handofftest.Fault{Method: http.MethodPost, Path: "/api/v2/tickets", Status: http.StatusTooManyRequests, RetryAfter: "1"})
	cfg := writeZendeskConfig(t, srv.URL)
	code, stdout, stderr := runLive(t, "hello\nagent\n", "--config", cfg, "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)

	tickets := fake.requests("POST", "/api/v2/tickets")
	if len(tickets) != 2 {
		t.Fatalf("want 2 ticket creations (a 429, then the retry), got %d\n%s\n%s", len(tickets), stdout, stderr)
	}
	if tickets[0].Header.Get("Idempotency-Key") != tickets[1].Header.Get("Idempotency-Key") {
		t.Errorf("the retry has another Idempotency-Key: a second ticket could open")
	}
	failed := events(t, stdout, "helpdesk_failed")
	if len(failed) != 1 || failed[0]["status"] != "pending" || !strings.Contains(failed[0]["error"].(string), "429") {
		t.Fatalf("want one helpdesk_failed event, pending after a 429, got %v", failed)
	}
	delivered := events(t, stdout, "helpdesk_delivered")
	if len(delivered) != 1 || delivered[0]["attempts"] != float64(2) {
		t.Fatalf("want the open delivered at attempt 2, got %v", delivered)
	}
}

func TestChatLiveNeedsConfigAndSecrets(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "chat", "--live", "testdata/flows/shop.yaml")
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, "--live needs --config FILE") {
		t.Errorf("stderr: %s", stderr)
	}
	cfg := writeZendeskConfig(t, "http://127.0.0.1:1")
	code, stdout, stderr = runCLI(t, "", "chat", "--live", "--config", cfg, "testdata/flows/shop.yaml")
	wantCode(t, code, exitFailed, stdout, stderr)
	if !strings.Contains(stderr, "environment variable TEST_ZENDESK_TOKEN is not set") {
		t.Errorf("a missing secret is not named:\n%s", stderr)
	}
}

func init() {
	// Live tests wait for Retry-After (1s) but no longer for the
	// worker's own backoff.
	liveDeliverOptions = []handoff.DeliverOption{
		handoff.DeliverBackoff(handoff.Backoff{Initial: 50 * time.Millisecond, Max: 200 * time.Millisecond, Multiplier: 2}),
		handoff.DeliverPollInterval(20 * time.Millisecond),
		handoff.DeliverAppendWindow(50 * time.Millisecond),
	}
}
