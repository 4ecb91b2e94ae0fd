package handoff

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// The connectors built from a config send what the config says: its
// groups, tags, link and the agents' helpdesk ids.
func TestConnectorsFromConfig(t *testing.T) {
	fake := newFakeHelpdesk(t, func(_ int, r gotRequest) (int, http.Header, string) {
		switch r.Path {
		case "/api/v2/users/create_or_update":
			return 201, nil, `{"user":{"id":9001}}`
		case "/api/v2/tickets":
			return 201, nil, `{"ticket":{"id":35436}}`
		}
		return 404, nil, `{}`
	})
	cfg := connectorsTestConfig(fake.URL)
	conns, err := Connectors(cfg, WithClock(connTestClock))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := conns["zendesk"].(*Zendesk); !ok || len(conns) != 3 {
		t.Fatalf("connectors %v", conns)
	}
	if _, ok := conns["freshdesk"].(*Freshdesk); !ok {
		t.Errorf("freshdesk is %T", conns["freshdesk"])
	}
	if _, ok := conns["webhook"].(*Webhook); !ok {
		t.Errorf("webhook is %T", conns["webhook"])
	}
	h := connTestHandoff()
	h.Assignee = "anna@acme.example"
	if _, err := conns["zendesk"].Open(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	reqs := fake.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	var body struct {
		Ticket struct {
			GroupID       int64    `json:"group_id"`
			Tags          []string `json:"tags"`
			AssigneeEmail string   `json:"assignee_email"`
			Comment       struct {
				HTMLBody string `json:"html_body"`
			} `json:"comment"`
		} `json:"ticket"`
	}
	if err := json.Unmarshal(reqs[1].Body, &body); err != nil {
		t.Fatal(err)
	}
	tk := body.Ticket
	if tk.GroupID != 360001111111 || !strings.Contains(strings.Join(tk.Tags, ","), "baton") || tk.AssigneeEmail != "anna@acme.example" ||
		!strings.Contains(tk.Comment.HTMLBody, "https://support.example.com/conversations/wa:393331234567") {
		t.Errorf("ticket %+v", tk)
	}
}

func TestRecordersFromConfig(t *testing.T) {
	cfg := connectorsTestConfig("https://zendesk.test")
	recs, err := Recorders(cfg, WithClock(connTestClock))
	if err != nil || len(recs) != 3 {
		t.Fatalf("recorders %v, %v", recs, err)
	}
	h := connTestHandoff()
	h.Assignee = "anna@acme.example"
	if _, err := recs["freshdesk"].Open(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	var open *Request
	for _, r := range recs["freshdesk"].Requests() {
		if r.Op == "open" {
			open = &r
		}
	}
	if open == nil || !strings.Contains(open.Body, `"responder_id":77000000101`) || !strings.Contains(open.Body, `"group_id":77000000003`) {
		t.Fatalf("freshdesk open recorded %+v", open)
	}
}

func TestConnectorsErrors(t *testing.T) {
	cfg := connectorsTestConfig("https://zendesk.test")
	if _, err := NewConnector(cfg, "hubspot"); err == nil || !strings.Contains(err.Error(), "configured: zendesk, freshdesk, webhook") {
		t.Errorf("an unknown connector: %v", err)
	}
	if _, err := Connectors(nil); err == nil {
		t.Error("Connectors(nil) succeeded")
	}
	if c, err := NewConnector(cfg, "webhook"); err != nil || c == nil {
		t.Errorf("the webhook: %v", err)
	}
	if _, err := Connectors(&Config{Source: "empty.yaml"}); err == nil || !strings.Contains(err.Error(), "empty.yaml configures no connector") {
		t.Errorf("no connectors: %v", err)
	}
}
