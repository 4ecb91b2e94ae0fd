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
)

// fakeSlack is a Slack incoming webhook: it takes a JSON message with a
// "text" (and optional "blocks") and answers 200 "ok".
type fakeSlack struct {
	mu   sync.Mutex
	msgs []map[string]any
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var m map[string]any
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.Unmarshal(body, &m) != nil || m["text"] == nil {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "invalid_payload")
		return
	}
	f.mu.Lock()
	f.msgs = append(f.msgs, m)
	f.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func (f *fakeSlack) messages() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.msgs...)
}

// writeNotifyConfig writes a Zendesk config whose handoffs are urgent when
// the customer asks for an agent, high otherwise, notified from urgent.
func writeNotifyConfig(t *testing.T, zendesk, slack string) string {
	t.Helper()
	return writeConfig(t, `version: 1
connectors:
  zendesk:
    base_url: `+zendesk+`
    email: bot@acme.example
    token: ${TEST_ZENDESK_TOKEN}
routing:
  default_team: support
  rules:
    - name: asked twice
      when: {keywords: [urgent]}
      priority: urgent
teams:
  support: {name: Support}
notify:
  slack: `+slack+`
  min_priority: urgent
`)
}

func TestChatLiveNotifiesUrgentHandoffsOnceDelivered(t *testing.T) {
	for _, tt := range []struct {
		name   string
		script string
		want   int
	}{
		{"urgent", "hello\nagent, this is urgent\n", 1},
		{"not urgent", "hello\nagent\n", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake, zd := newFakeZendesk(t)
			slack := &fakeSlack{}
			srv := httptest.NewServer(slack)
			t.Cleanup(srv.Close)
			cfg := writeNotifyConfig(t, zd.URL, srv.URL+"/services/T000/B000/XXXX")
			code, stdout, stderr := runLive(t, tt.script, "--config", cfg, "--store", filepath.Join(t.TempDir(), "store.db"), "testdata/flows/shop.yaml")
			wantCode(t, code, exitOK, stdout, stderr)
			if n := len(fake.requests("POST", "/api/v2/tickets")); n != 1 {
				t.Fatalf("%d tickets, want 1\n%s", n, stderr)
			}
			msgs := slack.messages()
			if len(msgs) != tt.want {
				t.Fatalf("Slack got %d messages, want %d\nstderr:\n%s", len(msgs), tt.want, stderr)
			}
			if tt.want == 0 {
				return
			}
			b, _ := json.Marshal(msgs[0])
			for _, want := range []string{"urgent", "Support", "4001"} {
				if !strings.Contains(strings.ToLower(string(b)), strings.ToLower(want)) {
					t.Errorf("the Slack message does not mention %q: %s", want, b)
				}
			}
			if !strings.Contains(stderr, "was posted to the team's chat") {
				t.Errorf("stderr does not say the handoff was posted:\n%s", stderr)
			}
		})
	}
}
