package sla_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sla"
)

// TestTeamsCardTitle: the Teams card's title names the threshold and the
// team; a handoff with no team has the threshold alone, not "SLA 80%: "
// with nothing after the colon.
func TestTeamsCardTitle(t *testing.T) {
	for team, want := range map[string]string{"billing": "SLA 80%: billing", "": "SLA 80%"} {
		var body struct {
			Attachments []struct {
				Content struct {
					Body []struct {
						Text string `json:"text"`
					} `json:"body"`
				} `json:"content"`
			} `json:"attachments"`
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = json.NewDecoder(r.Body).Decode(&body)
		}))
		n := &sla.Notifier{Teams: srv.URL}
		a := flows.SLAAlert{HandoffID: "h1", ConversationID: "c1", Team: team, Priority: flows.PriorityUrgent, Target: "first_response", Threshold: 80,
			RequestedAt: t0, Due: t0.Add(15 * time.Minute), At: t0.Add(12 * time.Minute)}
		err := n.Alert(context.Background(), a)
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(body.Attachments) != 1 || len(body.Attachments[0].Content.Body) == 0 {
			t.Fatalf("team %q: no card body", team)
		}
		if got := body.Attachments[0].Content.Body[0].Text; got != want {
			t.Errorf("team %q: title %q, want %q", team, got, want)
		}
	}
}
