package handoff

import (
	"context"
	"net/http"
	"testing"

	"github.com/batonbot/baton/flows"
)

// The agent routing chose reaches the helpdesk in its own terms, and only
// when the connector can name it: Zendesk by id or e-mail, Freshdesk by
// numeric id only.
func TestAssigneeWireFormat(t *testing.T) {
	ids := WithAssignees(map[string]string{"anna@acme.example": "361234", "luis@acme.example": "not a number"})
	tests := []struct {
		connector, assignee string
		want                map[string]any // JSON keys of the ticket that must be there
		absent              []string       // keys that must not
	}{
		{"zendesk", "anna@acme.example", map[string]any{"assignee_id": float64(361234)}, []string{"assignee_email"}},
		{"zendesk", "paul@acme.example", map[string]any{"assignee_email": "paul@acme.example"}, []string{"assignee_id"}},
		{"zendesk", "luis@acme.example", map[string]any{"assignee_email": "luis@acme.example"}, []string{"assignee_id"}},
		{"zendesk", "agent-7", nil, []string{"assignee_id", "assignee_email"}},
		{"zendesk", "", nil, []string{"assignee_id", "assignee_email"}},
		{"freshdesk", "anna@acme.example", map[string]any{"responder_id": float64(361234)}, nil},
		{"freshdesk", "paul@acme.example", nil, []string{"responder_id"}},
		{"freshdesk", "luis@acme.example", nil, []string{"responder_id"}},
		{"freshdesk", "", nil, []string{"responder_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.connector+" "+tt.assignee, func(t *testing.T) {
			fake := newFakeHelpdesk(t, func(_ int, r gotRequest) (int, http.Header, string) {
				switch {
				case r.Path == "/api/v2/users/create_or_update":
					return 201, nil, `{"user":{"id":9001}}`
				case r.Path == "/api/v2/search/tickets":
					return 200, nil, `{"results":[],"total":0}`
				case r.Path == "/api/v2/tickets" && r.Method == http.MethodGet:
					return 200, nil, `[]`
				case r.Path == "/api/v2/tickets":
					return 201, nil, `{"id":1001,"ticket":{"id":1001}}`
				}
				return 404, nil, `{}`
			})
			var c flows.Connector
			if tt.connector == "zendesk" {
				c = newTestZendesk(t, fake.URL, ids)
			} else {
				c = newTestFreshdesk(t, fake.URL, ids)
			}
			h := connTestHandoff()
			h.Assignee = tt.assignee
			if _, err := c.Open(context.Background(), h); err != nil {
				t.Fatal(err)
			}
			var ticket map[string]any
			for _, r := range fake.requests() {
				if r.Method == http.MethodPost && r.Path == "/api/v2/tickets" {
					ticket = r.JSON(t)
					if inner, ok := ticket["ticket"].(map[string]any); ok {
						ticket = inner // Zendesk wraps the ticket
					}
				}
			}
			if ticket == nil {
				t.Fatal("no ticket was created")
			}
			for k, v := range tt.want {
				if ticket[k] != v {
					t.Errorf("%s = %#v, want %#v", k, ticket[k], v)
				}
			}
			for _, k := range tt.absent {
				if v, ok := ticket[k]; ok {
					t.Errorf("%s = %#v is sent, want it left out", k, v)
				}
			}
		})
	}
}

func TestConfigAssignees(t *testing.T) {
	cfg := &Config{TeamOrder: []string{"support"}, Teams: map[string]*ConfigTeam{"support": {Name: "support", Agents: []ConfigAgent{
		{ID: "anna@acme.example", ZendeskID: "361234", FreshdeskID: "77001"},
		{ID: "luis@acme.example", FreshdeskID: "77002"},
		{ID: "paul@acme.example"},
	}}}}
	z, f := cfg.Assignees("zendesk"), cfg.Assignees("freshdesk")
	if len(z) != 1 || z["anna@acme.example"] != "361234" {
		t.Errorf("zendesk assignees %v", z)
	}
	if len(f) != 2 || f["anna@acme.example"] != "77001" || f["luis@acme.example"] != "77002" {
		t.Errorf("freshdesk assignees %v", f)
	}
	if w := cfg.Assignees("webhook"); len(w) != 0 {
		t.Errorf("webhook assignees %v", w)
	}
}
