package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// Two `chat --live` runs are two customers: their conversations, contacts
// and handoffs have ids of their own (globally unique), so the helpdesk
// never mixes them up.
func TestChatLiveUniqueIDs(t *testing.T) {
	fake, srv := newFakeZendesk(t)
	cfg := writeZendeskConfig(t, srv.URL)
	var sessions []string
	for range 2 {
		store := filepath.Join(t.TempDir(), "store.db")
		code, stdout, stderr := runLive(t, "hello\nagent\n/state\n", "--config", cfg, "--store", store, "testdata/flows/shop.yaml")
		wantCode(t, code, exitOK, stdout, stderr)
		s := events(t, stdout, "session")
		if len(s) != 1 {
			t.Fatalf("no session event:\n%s", stdout)
		}
		sessions = append(sessions, s[0]["conversation"].(string))
	}
	id := regexp.MustCompile(`^sandbox:chat:[0-9a-z]{26}$`)
	if !id.MatchString(sessions[0]) || !id.MatchString(sessions[1]) || sessions[0] == sessions[1] {
		t.Errorf("conversation ids %q: want two different sandbox:chat:<ulid>", sessions)
	}
	tickets := fake.requests("POST", "/api/v2/tickets")
	if len(tickets) != 2 {
		t.Fatalf("%d tickets, want 2", len(tickets))
	}
	var ext, keys []string
	for _, tk := range tickets {
		var body struct {
			Ticket struct {
				ExternalID string `json:"external_id"`
			}
		}
		json.Unmarshal([]byte(tk.Body), &body)
		ext = append(ext, body.Ticket.ExternalID)
		keys = append(keys, tk.Header.Get("Idempotency-Key"))
	}
	if ext[0] == ext[1] || ext[0] != sessions[0] || ext[1] != sessions[1] {
		t.Errorf("tickets' external ids %q, want the conversations %q", ext, sessions)
	}
	if keys[0] == keys[1] || len(keys[0]) != 26 {
		t.Errorf("idempotency keys %q: want two different ULIDs", keys)
	}
}

// With --live the flow's HTTP actions are made for real (the flow's
// sandbox: answers are for the sandbox only), through the same host as
// `baton serve`.
func TestChatLiveCallsHTTPActions(t *testing.T) {
	var calls atomic.Int32
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/api/orders/B77777" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `{"status":"shipped","eta":"2031-01-02"}`)
	}))
	defer shop.Close()
	src, err := os.ReadFile("testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	flow := filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(flow, []byte(strings.ReplaceAll(string(src), "https://shop.example.com", shop.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, srv := newFakeZendesk(t)
	cfg := writeZendeskConfig(t, srv.URL)
	code, stdout, stderr := runLive(t, "hello\n/button order\nB77777\n", "--config", cfg, "--store", filepath.Join(t.TempDir(), "s.db"), flow)
	wantCode(t, code, exitOK, stdout, stderr)
	if calls.Load() != 1 {
		t.Errorf("the shop got %d calls, want 1", calls.Load())
	}
	reqs := events(t, stdout, "http")
	if len(reqs) != 1 {
		t.Fatalf("%d http events:\n%s", len(reqs), stdout)
	}
	resp, _ := reqs[0]["response"].(map[string]any)
	if resp["source"] != "live" || resp["status"] != float64(200) {
		t.Errorf("the http event's response: %v", resp)
	}
	var said []string
	for _, r := range events(t, stdout, "reply") {
		said = append(said, r["text"].(string))
	}
	if got := strings.Join(said, " | "); !strings.Contains(got, "Your order B77777 arrives on 2031-01-02.") {
		t.Errorf("replies: %s", got)
	}
}
