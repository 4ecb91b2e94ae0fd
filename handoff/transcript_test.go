package handoff

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/internal/golden"
)

func TestTranscriptHTMLGolden(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		rome = time.FixedZone("CET", 3600)
	}
	tests := []struct {
		golden string
		opts   []ConnectorOption
	}{
		{"transcript.html", []ConnectorOption{WithConversationURL("https://baton.example.com/c/{conversation_id}?h={handoff_id}")}},
		{"transcript_masked.html", []ConnectorOption{WithMasking(true), WithLocation(rome)}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			html, err := TranscriptHTML(connTestHandoff(), tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.golden), html)
		})
	}
}

func TestTranscriptHTMLEscapesEverything(t *testing.T) {
	evil := `<img src=x onerror=alert(1)>"'&`
	h := &flows.Handoff{
		ID: evil, ConversationID: evil, Flow: evil, State: evil, Channel: evil, Reason: evil, Team: evil,
		Contact:    flows.Contact{Name: evil, Phone: evil},
		Transcript: []flows.Message{{From: flows.RoleUser, Text: evil, Choice: evil}, {From: flows.Role(evil), Text: evil, Agent: evil}},
		Vars:       map[string]any{evil: evil},
		Signals:    &flows.Signals{Intent: evil, Entities: map[string][]string{evil: {evil}}},
		Summary:    evil,
	}
	html, err := TranscriptHTML(h, WithConversationURL("javascript:alert(1)//{conversation_id}"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, "<img") || strings.Contains(html, "javascript:") {
		t.Errorf("unescaped input in:\n%s", html)
	}
	if _, err := TranscriptHTML(nil); err == nil {
		t.Error("nil handoff: want an error")
	}
	if _, err := TranscriptHTML(&flows.Handoff{}); err != nil {
		t.Errorf("empty handoff: %v", err)
	}
}

func TestConversationLink(t *testing.T) {
	h := &flows.Handoff{ID: "h 1", ConversationID: "wa:39/333"}
	tests := []struct{ tmpl, want string }{
		{"", ""},
		{"https://b.example/c/{conversation_id}", "https://b.example/c/wa:39%2F333"},
		{"https://b.example/c/{conversation_id}/{handoff_id}", "https://b.example/c/wa:39%2F333/h%201"},
		{"javascript:alert(1)", ""},
		{"/relative/{conversation_id}", ""},
	}
	for _, tt := range tests {
		if got := conversationLink(h, tt.tmpl); got != tt.want {
			t.Errorf("conversationLink(%q) = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
}

func TestSubject(t *testing.T) {
	h := connTestHandoff()
	if got := subject(h, false); got != "WhatsApp: asks for human — Mario Rossi" {
		t.Errorf("subject = %q", got)
	}
	h.Contact = flows.Contact{Phone: "+39 333 123 4567"}
	h.Reason = ""
	h.Channel = ""
	if got := subject(h, true); got != "Chat: needs a human — [phone]" {
		t.Errorf("masked subject = %q", got)
	}
}

// The ticket's list of signals shows the frustration score beside the
// verdict, and alone when a flow handed off below the verdict.
func TestSignalListFrustration(t *testing.T) {
	tests := []struct {
		sig  flows.Signals
		want string
	}{
		{flows.Signals{Frustrated: true, Frustration: 0.82}, "frustrated (0.82)"},
		{flows.Signals{Frustrated: true, Frustration: 1}, "frustrated"},
		{flows.Signals{Frustrated: true}, "frustrated"},
		{flows.Signals{Frustration: 0.27}, "frustration 0.27"},
		{flows.Signals{Frustration: 0.004}, ""},
		{flows.Signals{}, ""},
	}
	for _, tt := range tests {
		if got := strings.Join(signalList(&tt.sig, false), ", "); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.sig, got, tt.want)
		}
	}
}
