package connector

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
	"github.com/batonbot/baton/handoff"
)

type seen struct {
	method, path, token string
	body                map[string]any
}

func fakeChatwoot(t *testing.T, status int) (*httptest.Server, *[]seen) {
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.Header.Get("api_access_token"), m})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if status != 200 {
			w.WriteHeader(status)
			io.WriteString(w, `{"message":"Identifier has already been taken"}`)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/contacts"):
			io.WriteString(w, `{"payload":{"contact":{"id":7},"contact_inbox":{"source_id":"src-1"}}}`)
		case strings.HasSuffix(r.URL.Path, "/conversations"):
			io.WriteString(w, `{"id":42}`)
		default:
			io.WriteString(w, `{}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func testHandoff() *flows.Handoff {
	at := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	return &flows.Handoff{
		ID: "h-1", ConversationID: "wa:39333", Channel: "whatsapp", Reason: "asks_for_human",
		Contact:    flows.Contact{ID: "39333", Name: "Mario", Phone: "39333"},
		Transcript: []flows.Message{{At: at, From: flows.RoleUser, Text: "2", Choice: "Orders"}, {At: at, From: flows.RoleUser, Text: "where is order 12345?"}},
	}
}

func TestChatwootWireFormat(t *testing.T) {
	srv, got := fakeChatwoot(t, 200)
	c, err := NewChatwoot(srv.URL, 3, 5, "tok", handoff.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref, err := c.Open(ctx, testHandoff())
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.Open(ctx, testHandoff()); again != ref {
		t.Errorf("second open = %+v, want %+v", again, ref)
	}
	if ref.ID != "42" || ref.URL != srv.URL+"/app/accounts/3/conversations/42" {
		t.Errorf("ref = %+v", ref)
	}
	if err := c.Append(ctx, ref, flows.Message{From: flows.RoleUser, Text: "hello?"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx, ref); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"POST /api/v1/accounts/3/contacts",
		"POST /api/v1/accounts/3/conversations",
		"POST /api/v1/accounts/3/conversations/42/messages",
		"POST /api/v1/accounts/3/conversations/42/toggle_status",
	}
	if len(*got) != len(want) {
		t.Fatalf("got %d requests, want %d", len(*got), len(want))
	}
	for i, s := range *got {
		if s.method+" "+s.path != want[i] || s.token != "tok" {
			t.Errorf("request %d = %s %s (token %q), want %s", i, s.method, s.path, s.token, want[i])
		}
	}
	r := *got
	if r[0].body["inbox_id"] != 5.0 || r[0].body["phone_number"] != "+39333" || r[0].body["identifier"] != "39333" {
		t.Errorf("contact = %v", r[0].body)
	}
	msg := r[1].body["message"].(map[string]any)["content"].(string)
	if r[1].body["source_id"] != "src-1" || r[1].body["contact_id"] != 7.0 || !strings.Contains(msg, "[Orders]") {
		t.Errorf("conversation = %v", r[1].body)
	}
	if r[2].body["message_type"] != "incoming" || r[2].body["content"] != "hello?" {
		t.Errorf("message = %v", r[2].body)
	}
	if r[3].body["status"] != "resolved" {
		t.Errorf("toggle = %v", r[3].body)
	}
}

func TestChatwootErrors(t *testing.T) {
	for _, tc := range []struct {
		status    int
		retryable bool
	}{{422, false}, {401, false}, {503, true}} {
		srv, _ := fakeChatwoot(t, tc.status)
		c, _ := NewChatwoot(srv.URL, 3, 5, "tok")
		_, err := c.Open(context.Background(), testHandoff())
		if ok, _ := handoff.Retryable(err); err == nil || ok != tc.retryable {
			t.Errorf("%d: err = %v, retryable %v", tc.status, err, ok)
		}
	}
	if _, err := NewChatwoot("app.chatwoot.com", 1, 1, "x"); err == nil {
		t.Error("a URL without scheme must be refused")
	}
}

func TestChatwootDryRun(t *testing.T) {
	rec, err := handoff.NewRecorder(func(dry handoff.ConnectorOption) (flows.Connector, error) {
		return NewChatwoot("https://chat.example.com", 3, 5, "secret-tok", dry)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Open(context.Background(), testHandoff()); err != nil {
		t.Fatal(err)
	}
	reqs := rec.Requests()
	if len(reqs) != 2 || reqs[1].URL != "https://chat.example.com/api/v1/accounts/3/conversations" ||
		reqs[0].Header.Get("api_access_token") != "[redacted]" {
		t.Errorf("recorded %+v", reqs)
	}
}

// TestChatwootMasks: with WithMasking(true) (masking: true in baton.yaml,
// handoff.ConfigOptions) the customer's e-mail address and phone number
// are masked in the conversation's first message and in later messages,
// as the built-in connectors mask them.
func TestChatwootMasks(t *testing.T) {
	const email, phone = "mario.rossi@example.com", "+39 333 123 4567"
	srv, got := fakeChatwoot(t, 200)
	c, err := NewChatwoot(srv.URL, 3, 5, "tok", handoff.WithHTTPClient(srv.Client()), handoff.WithMasking(true))
	if err != nil {
		t.Fatal(err)
	}
	h := testHandoff()
	h.Transcript = append(h.Transcript, flows.Message{At: h.Transcript[0].At, From: flows.RoleUser, Text: "write to " + email})
	ref, err := c.Open(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Append(context.Background(), ref, flows.Message{From: flows.RoleUser, Text: "or call " + phone}); err != nil {
		t.Fatal(err)
	}
	r := *got
	first := r[1].body["message"].(map[string]any)["content"].(string)
	if strings.Contains(first, email) || !strings.Contains(first, "where is order") {
		t.Errorf("first message, masked:\n%s", first)
	}
	if later := r[2].body["content"].(string); strings.Contains(later, "333") {
		t.Errorf("later message, masked: %s", later)
	}
}
