package sla_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sla"
)

// An alert that got no answer names the destination's host only: a Slack
// or Teams incoming-webhook URL is its own secret (in its path, or a sig=
// in its query), and the error reaches the log.
func TestAlertErrorLeavesTheWebhookURLOut(t *testing.T) {
	n := &sla.Notifier{
		Slack:  "http://127.0.0.1:1/services/T000/B000/slackSECRET",
		Teams:  "http://127.0.0.1:1/workflows/abc/triggers/manual/paths/invoke?sig=teamsSECRET",
		Client: &http.Client{Timeout: time.Second},
	}
	err := n.Alert(context.Background(), flows.SLAAlert{HandoffID: "h1", Threshold: 80})
	if err == nil {
		t.Fatal("the alert reached a closed port")
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("the error shows a webhook URL: %v", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("the error does not name the host: %v", err)
	}
	bad := &sla.Notifier{Slack: "http://127.0.0.1:1/services/%zz/slackSECRET"}
	if err := bad.Alert(context.Background(), flows.SLAAlert{HandoffID: "h1", Threshold: 80}); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("a bad URL's error: %v", err)
	}
}
