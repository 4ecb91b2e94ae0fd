package handoff

import (
	"errors"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

func TestRedactURLs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"no url here", "no url here"},
		{`Post "https://hooks.example.com/baton?token=s3cret&team=a": dial tcp: refused`,
			`Post "https://hooks.example.com/baton?token=[redacted]&team=[redacted]": dial tcp: refused`},
		{"https://user:pa55@hooks.example.com/x, then", "https://[redacted]@hooks.example.com/x, then"},
		{"see https://acme.zendesk.com/agent/tickets/4.", "see https://acme.zendesk.com/agent/tickets/4."},
		{"frag https://h.example/p#secret", "frag https://h.example/p"},
		{"bad https://h.example/%zz?token=abc", "bad https://h.example/%zz?[redacted]"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// TestWebhookSecretsNeverShow: a token in the webhook URL's query or
// userinfo appears in no error and no recording.
func TestWebhookSecretsNeverShow(t *testing.T) {
	const endpoint = "http://bot:hunter2@127.0.0.1:1/hook?token=s3cret-token"
	w, err := NewWebhook(endpoint, testWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Open(t.Context(), connTestHandoff())
	if err == nil {
		t.Fatal("the open reached a closed port")
	}
	// The error and every error it wraps (a refused connection wraps the
	// client's; a machine too busy to be refused in time gives a timeout,
	// which may wrap none).
	for e := err; e != nil; e = errors.Unwrap(e) {
		if s := e.Error(); strings.Contains(s, "s3cret-token") || strings.Contains(s, "hunter2") {
			t.Errorf("the error shows a secret: %s", s)
		}
	}
	rec, err := NewRecorder(func(dry ConnectorOption) (flows.Connector, error) {
		return NewWebhook(endpoint, testWebhookSecret, dry)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Open(t.Context(), connTestHandoff()); err != nil {
		t.Fatal(err)
	}
	for _, r := range rec.Requests() {
		if strings.Contains(r.URL, "s3cret-token") || strings.Contains(r.URL, "hunter2") || !strings.Contains(r.URL, "token=[redacted]") {
			t.Errorf("the recording shows %s", r.URL)
		}
	}
	if _, err := NewWebhook("ftp://x:pw@h/?token=abc", testWebhookSecret); err == nil || strings.Contains(err.Error(), "abc") || strings.Contains(err.Error(), "pw") {
		t.Errorf("a bad URL's error: %v", err)
	}
}
