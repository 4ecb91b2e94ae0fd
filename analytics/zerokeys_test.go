package analytics_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/flows"
)

// The keys docs/analytics.md lists for an event type are written when
// they are zero (a first reply after 0 ms, a media message with no
// caption), by the file and the webhook sinks, and not on the types they
// mean nothing to.
func TestSinksWriteTheZeroKeysOfAType(t *testing.T) {
	cases := []struct {
		ev       flows.Event
		has, not []string
	}{
		{flows.Event{Type: flows.EvMessageIn, Kind: "media", Media: "image"}, []string{`"size":0`}, []string{`"wait_ms"`}},
		{flows.Event{Type: flows.EvMessageOut}, []string{`"size":0`}, []string{`"wait_ms"`}},
		{flows.Event{Type: flows.EvSurveyComment}, []string{`"size":0`}, []string{`"wait_ms"`}},
		{flows.Event{Type: flows.EvHTTPResult, Status: 204}, []string{`"size":0`}, []string{`"wait_ms"`}},
		{flows.Event{Type: flows.EvHTTPResult, Error: "timeout"}, nil, []string{`"size"`, `"wait_ms"`}},
		{flows.Event{Type: flows.EvFirstAgentReply}, []string{`"wait_ms":0`}, []string{`"size"`}},
		{flows.Event{Type: flows.EvTicketSolved}, []string{`"wait_ms":0`}, []string{`"size"`}},
		{flows.Event{Type: flows.EvTicketClosed}, []string{`"wait_ms":0`}, []string{`"size"`}},
		{flows.Event{Type: flows.EvSLAAlert}, []string{`"wait_ms":0`}, []string{`"size"`}},
		{flows.Event{Type: flows.EvStateEntered}, nil, []string{`"size"`, `"wait_ms"`}},
		{flows.Event{Type: flows.EvHandoffRequested}, nil, []string{`"size"`, `"wait_ms"`}},
		{flows.Event{Type: flows.EvMessageIn, Size: 12}, []string{`"size":12`}, nil},
		{flows.Event{Type: flows.EvFirstAgentReply, WaitMS: 5}, []string{`"wait_ms":5`}, nil},
	}
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	var events []flows.Event
	for i, tc := range cases {
		ev := tc.ev
		ev.V, ev.ID, ev.At, ev.Conversation, ev.Flow = 1, string(rune('a'+i)), at, "c1", "f"
		events = append(events, ev)
	}

	path := filepath.Join(t.TempDir(), "events.jsonl")
	f, err := analytics.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Write(context.Background(), events...); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")

	bodies := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- b
	}))
	defer srv.Close()
	wh := analytics.NewWebhookSink(srv.URL, analytics.WebhookBatch(analytics.BatchSize(100), analytics.BatchInterval(time.Hour)))
	if err := wh.Write(context.Background(), events...); err != nil {
		t.Fatal(err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Events []json.RawMessage `json:"events"`
	}
	if b := <-bodies; json.Unmarshal(b, &body) != nil {
		t.Fatalf("webhook body %s", b)
	}

	if len(lines) != len(cases) || len(body.Events) != len(cases) {
		t.Fatalf("%d lines, %d webhook events, want %d", len(lines), len(body.Events), len(cases))
	}
	for i, tc := range cases {
		for sink, got := range map[string]string{"file": lines[i], "webhook": string(body.Events[i])} {
			for _, k := range tc.has {
				if strings.Count(got, k) != 1 {
					t.Errorf("%s %s: want %s once in %s", sink, tc.ev.Type, k, got)
				}
			}
			for _, k := range tc.not {
				if strings.Contains(got, k) {
					t.Errorf("%s %s: want no %s in %s", sink, tc.ev.Type, k, got)
				}
			}
		}
	}
	if got := readAll(t, path); len(got) != len(cases) || got[0].Media != "image" {
		t.Errorf("read back %+v", got)
	}
}

// Every event carries the fields docs/analytics.md lists for every event,
// empty ones included (a conversation's first events are in no state yet,
// a flow may have no version): a consumer reads the same keys on every
// line.
func TestSinksWriteTheCommonKeysOfEveryEvent(t *testing.T) {
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	f, err := analytics.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, typ := range []flows.EventType{flows.EvConversationStarted, flows.EvMessageIn, flows.EvTriggerFired, flows.EvConversationEnded} {
		ev := flows.Event{V: 1, ID: string(rune('a' + i)), Type: typ, At: at, Conversation: "c1", Flow: "f"}
		if err := f.Write(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		for _, k := range []string{"v", "id", "type", "at", "conversation", "contact", "flow", "flow_version", "channel", "lang", "state"} {
			if _, ok := m[k]; !ok {
				t.Errorf("no %q in %s", k, line)
			}
		}
	}
}
