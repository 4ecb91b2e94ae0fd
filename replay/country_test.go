package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/replay"
	"github.com/batonbot/baton/sandbox"
)

type bufSink struct{ events []flows.Event }

func (s *bufSink) Write(_ context.Context, evs ...flows.Event) error {
	s.events = append(s.events, evs...)
	return nil
}
func (s *bufSink) Close() error { return nil }

// user.country, which the engine derives from the contact's phone, is
// the same on a replay, though the events never carry the phone: a flow
// that answers by country, replayed unchanged, changes nothing.
func TestUserCountryFromPhoneIsReplayed(t *testing.T) {
	f, diags := dsl.Load("country.yaml", []byte(`flow: country
version: "1"
languages: [en]
start: welcome
states:
  welcome:
    say: {en: '{{ user.country == "IT" ? "We pick up in Italy" : "We pick up in Europe" }}'}
    ask:
      save_as: reply
    next: bye
  bye:
    say: {en: "Bye"}
    end: true
`))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	sink := &bufSink{}
	for i, phone := range []string{"+39 333 1234567", "+33 6 12345678", ""} {
		sb, err := sandbox.New(sandbox.Config{
			Flow: f, Lang: "en", Channel: "whatsapp",
			Contact:  flows.Contact{ID: "c" + string(rune('1'+i)), Phone: phone},
			Now:      time.Date(2026, 3, 3, 10, 30, i, 0, time.UTC),
			Fixed:    true,
			IDPrefix: "conv-" + string(rune('1'+i)),
			Recorder: analytics.NewRecorder(sink, analytics.WithText(true)),
		})
		if err != nil {
			t.Fatal(err)
		}
		sb.User(context.Background(), "hi")
		sb.User(context.Background(), "fine")
	}
	var buf bytes.Buffer
	for _, ev := range sink.events {
		if bytes.Contains(mustJSON(t, ev), []byte("333")) {
			t.Fatalf("an event carries the phone: %s", mustJSON(t, ev))
		}
		buf.Write(mustJSON(t, ev))
		buf.WriteByte('\n')
	}
	convs, err := replay.ReadEvents(&buf, "events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := replay.Replay(context.Background(), convs, replay.Options{Flow: f})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Replayed != 3 || rep.Changed != 0 {
		t.Fatalf("%d replayed, %s; %+v", rep.Replayed, rep.Summary, rep.Diffs)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
