package handoff

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

type hookServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string][]byte
	status int
}

func newHookServer(t *testing.T, status int) *hookServer {
	h := &hookServer{bodies: map[string][]byte{}, status: status}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies[r.URL.Path] = b
		h.mu.Unlock()
		if h.status != 0 {
			http.Error(w, "no_service", h.status)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) body(t *testing.T, path string) map[string]any {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	var m map[string]any
	if err := json.Unmarshal(h.bodies[path], &m); err != nil {
		t.Fatalf("%s: body %q is not JSON: %v", path, h.bodies[path], err)
	}
	return m
}

func urgentHandoff() *flows.Handoff {
	return &flows.Handoff{
		ID: "h1", ConversationID: "conv 1", Channel: "whatsapp", Team: "billing", Priority: flows.PriorityUrgent,
		Reason: "frustrated", Tags: []string{"vip"}, InHours: true,
		Contact:    flows.Contact{ID: "393331234567", Name: "Mario <Rossi>"},
		Transcript: []flows.Message{{From: flows.RoleUser, Text: "mi avete addebitato due volte, scrivetemi a mario@example.it"}},
	}
}

func TestNotifySlack(t *testing.T) {
	srv := newHookServer(t, 0)
	n := NewNotifier(&Config{Link: "https://app.example/c/{id}", Notify: ConfigNotify{Slack: srv.URL + "/slack"}})
	err := n.Notify(context.Background(), urgentHandoff(), flows.TicketRef{Connector: "zendesk", ID: "42", URL: "https://acme.zendesk.com/agent/tickets/42"})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := srv.body(t, "/slack")["text"].(string)
	for _, want := range []string{
		":rotating_light: *Urgent handoff to billing*",
		"“mi avete addebitato due volte, scrivetemi a mario@example.it”",
		"*Customer:* Mario &lt;Rossi&gt;",
		"*Reason:* frustrated",
		"<https://acme.zendesk.com/agent/tickets/42|Open ticket>",
		"<https://app.example/c/conv%201|Open conversation>",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("slack text lacks %q:\n%s", want, text)
		}
	}
}

func TestNotifyTeamsFormats(t *testing.T) {
	srv := newHookServer(t, 0)
	for _, format := range []string{"adaptive", "messagecard"} {
		n := NewNotifier(&Config{Masking: true, Notify: ConfigNotify{Teams: srv.URL + "/" + format, TeamsFormat: format}})
		if err := n.Notify(context.Background(), urgentHandoff(), flows.TicketRef{Connector: "zendesk", ID: "42"}); err != nil {
			t.Fatal(err)
		}
	}
	ad := srv.body(t, "/adaptive")
	att, _ := ad["attachments"].([]any)
	if ad["type"] != "message" || len(att) != 1 {
		t.Fatalf("adaptive = %v; want a message with one attachment", ad)
	}
	a0, _ := att[0].(map[string]any)
	card, _ := a0["content"].(map[string]any)
	if a0["contentType"] != "application/vnd.microsoft.card.adaptive" || card["type"] != "AdaptiveCard" || card["version"] != "1.4" {
		t.Errorf("adaptive attachment = %v", a0)
	}
	raw, _ := json.Marshal(card)
	for _, want := range []string{`"text":"Urgent handoff to billing"`, `"type":"RichTextBlock"`, `"text":"zendesk #42"`, `[email]`, `"text":"(masked)"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("adaptive card lacks %s: %s", want, raw)
		}
	}
	if strings.Contains(string(raw), "mario@example.it") || strings.Contains(string(raw), "Mario") {
		t.Errorf("masking on, but the card shows personal data: %s", raw)
	}
	mc := srv.body(t, "/messagecard")
	if mc["@type"] != "MessageCard" || mc["@context"] != "https://schema.org/extensions" || mc["title"] != "Urgent handoff to billing" || mc["summary"] == "" {
		t.Errorf("messagecard = %v", mc)
	}
}

// TestNotifyTeamsEscapesCustomerText: a customer's Markdown link is shown
// as text in both Teams formats, never as a link.
func TestNotifyTeamsEscapesCustomerText(t *testing.T) {
	srv := newHookServer(t, 0)
	h := urgentHandoff()
	h.Summary = "[Reset your password](https://evil.example) <b>now</b>"
	h.Contact.Name = "**Boss** <script>"
	for _, format := range []string{"adaptive", "messagecard"} {
		n := NewNotifier(&Config{Notify: ConfigNotify{Teams: srv.URL + "/" + format, TeamsFormat: format}})
		if err := n.Notify(context.Background(), h, flows.TicketRef{}); err != nil {
			t.Fatal(err)
		}
	}
	raw, _ := json.Marshal(srv.body(t, "/adaptive"))
	card := string(raw)
	if strings.Contains(card, `"type":"FactSet"`) || strings.Contains(card, `"type":"TextBlock","text":"[Reset`) {
		t.Errorf("customer text in a Markdown element: %s", card)
	}
	if !strings.Contains(card, `{"text":"[Reset your password](https://evil.example) \u003cb\u003enow\u003c/b\u003e","type":"TextRun"}`) {
		t.Errorf("the summary is not a plain TextRun: %s", card)
	}
	mc := srv.body(t, "/messagecard")
	sec := mc["sections"].([]any)[0].(map[string]any)
	if sec["markdown"] != false || strings.Contains(sec["text"].(string), "<b>") || mc["text"] != nil {
		t.Errorf("messagecard section = %v", sec)
	}
}

func TestNotifyErrorsSayWhatToCheck(t *testing.T) {
	srv := newHookServer(t, http.StatusNotFound)
	n := NewNotifier(&Config{Notify: ConfigNotify{Slack: srv.URL + "/services/SECRET", Teams: srv.URL + "/teams"}})
	err := n.Notify(context.Background(), urgentHandoff(), flows.TicketRef{})
	if err == nil {
		t.Fatal("Notify succeeded against a 404")
	}
	for _, want := range []string{"notify Slack", "404 Not Found", "update notify.slack in baton.yaml", "notify Teams", "notify.teams"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error leaks the webhook path: %v", err)
	}
	srv.Close()
	n.pause = func(context.Context, time.Duration) error { return nil } // retried at once: the test checks the error
	err = n.Notify(context.Background(), urgentHandoff(), flows.TicketRef{})
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("unreachable webhook: %v; want an error without the secret path", err)
	}
}

func TestNotifierWants(t *testing.T) {
	tests := []struct {
		cfg  ConfigNotify
		p    flows.Priority
		want bool
	}{
		{ConfigNotify{Slack: "https://x.example"}, flows.PriorityUrgent, true},
		{ConfigNotify{Slack: "https://x.example"}, flows.PriorityHigh, false},
		{ConfigNotify{Teams: "https://x.example", MinPriority: flows.PriorityHigh}, flows.PriorityHigh, true},
		{ConfigNotify{Teams: "https://x.example", MinPriority: flows.PriorityHigh}, flows.PriorityNormal, false},
		{ConfigNotify{}, flows.PriorityUrgent, false},
	}
	for _, tt := range tests {
		if got := NewNotifier(&Config{Notify: tt.cfg}).Wants(tt.p); got != tt.want {
			t.Errorf("Wants(%s) with %+v = %v, want %v", tt.p, tt.cfg, got, tt.want)
		}
	}
	var n *Notifier
	if n.Wants(flows.PriorityUrgent) || n.Notify(context.Background(), urgentHandoff(), flows.TicketRef{}) != nil {
		t.Error("a nil Notifier must do nothing")
	}
}

// TestNotifyRetriesTransientFailures: a Slack or Teams webhook that answers
// 503 or 429 once, or drops the connection, still gets the urgent handoff,
// after a short wait; one that keeps failing is tried a bounded number of
// times, and a removed webhook (404) once.
func TestNotifyRetriesTransientFailures(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int // answers in turn; 200 after them
		posts    int
		ok       bool
	}{
		{"503 once", []int{503}, 2, true},
		{"429 then 502", []int{429, 502}, 3, true},
		{"always 500", []int{500, 500, 500, 500, 500}, notifyAttempts, false},
		{"404 is not retried", []int{404}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			posts := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				i := posts
				posts++
				mu.Unlock()
				if i < len(tt.statuses) {
					w.Header().Set("Retry-After", "1")
					http.Error(w, "busy", tt.statuses[i])
					return
				}
				_, _ = io.WriteString(w, "ok")
			}))
			defer srv.Close()
			n := NewNotifier(&Config{Notify: ConfigNotify{Slack: srv.URL + "/slack"}})
			var waits []time.Duration
			n.pause = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
			err := n.Notify(context.Background(), urgentHandoff(), flows.TicketRef{})
			if (err == nil) != tt.ok {
				t.Errorf("Notify = %v, want ok %v", err, tt.ok)
			}
			if posts != tt.posts {
				t.Errorf("%d posts, want %d", posts, tt.posts)
			}
			if len(waits) != tt.posts-1 {
				t.Errorf("waits %v, want %d", waits, tt.posts-1)
			}
			for _, w := range waits {
				if w <= 0 || w > notifyMaxWait {
					t.Errorf("wait %v outside (0, %v]", w, notifyMaxWait)
				}
			}
		})
	}
}
