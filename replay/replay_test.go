package replay_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/internal/flowtest"
	"github.com/batonbot/baton/replay"
	"github.com/batonbot/baton/replay/replaytest"
)

// frozenFlow is a copy of the example shop flow the tests record their
// conversations on (and edit): the example may change, the tests' flow
// does not.
const frozenFlow = "testdata/flows/support.yaml"

// recordedN conversations are recorded for the tests.
const recordedN = 600

var recording struct {
	once sync.Once
	data []byte
	err  error
}

// events returns the recorded conversations the tests replay: recordedN
// conversations of the frozen shop flow, played on the real engine and
// its built-in NLU by replaytest (greetings, menus, order lookups, FAQ,
// refunds, requests for a person answered by an agent, no-match ladders,
// silences, in three languages), as an analytics event stream with
// texts. They are recorded once per test binary, with the engine and NLU
// under test: a recording committed once would differ from a replay as
// soon as the NLU is retrained, which is what --baseline is for in real
// use, but not what these tests test.
func events(t testing.TB) []byte {
	t.Helper()
	recording.once.Do(func() {
		var buf bytes.Buffer
		recording.err = replaytest.Generate(context.Background(), &buf, recordedN, replaytest.Options{Flow: frozenFlow, Seed: 7})
		recording.data = buf.Bytes()
	})
	if recording.err != nil {
		t.Fatal(recording.err)
	}
	return recording.data
}

func conversations(t testing.TB) []*replay.Conversation {
	t.Helper()
	convs, err := replay.ReadEvents(bytes.NewReader(events(t)), "recorded.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return convs
}

func load(t testing.TB, path string) *flows.Flow {
	t.Helper()
	f, diags := dsl.LoadFile(path)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	return f
}

// The recorded conversations replayed on the flow they were recorded on
// end as they did, and as the same flow as a baseline says.
func TestRecordedUnchangedFlowReportsNothing(t *testing.T) {
	convs := conversations(t)
	f := load(t, frozenFlow)
	for _, o := range []replay.Options{{Flow: f}, {Flow: f, Baseline: f}} {
		rep, err := replay.Replay(context.Background(), convs, o)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Conversations != 600 || rep.Replayed != 600 || len(rep.Skipped) != 0 {
			t.Fatalf("against %s: %d read, %d replayed, skipped %v", rep.Against, rep.Conversations, rep.Replayed, rep.Skipped)
		}
		if rep.Changed != 0 {
			t.Errorf("against %s: %s; the first: %+v", rep.Against, rep.Summary, rep.Diffs[0].Changes)
		}
		if rep.Summary != "0 of 600 conversations change." {
			t.Errorf("summary %q", rep.Summary)
		}
	}
}

// copyFlow copies the frozen flow to a directory for a test to edit.
func copyFlow(t *testing.T) string {
	t.Helper()
	return filepath.Join(flowtest.Copy(t, "testdata/flows", "support.yaml", "common/escalation.yaml"), "support.yaml")
}

// Adding a word to the refund trigger's keywords changes exactly the
// conversations where a customer wrote that word to the bot: they now go
// to a person (billing, or the after-hours path) instead of the FAQ
// answer.
func TestChangedKeywordsReportExactlyTheConversationsTheyChange(t *testing.T) {
	// The conversations the change must report, found in the recorded
	// messages themselves.
	word := regexp.MustCompile(`(?i)\breso\b`)
	want := map[string]bool{}
	convs := conversations(t)
	for _, c := range convs {
		for i, in := range c.Inputs {
			if in.Kind == replay.InputUser && word.MatchString(in.Text) && c.Recorded.Steps[i].Handoff == nil && beforeHandoff(c, i) {
				want[c.ID] = true
			}
		}
	}
	if len(want) < 3 {
		t.Fatalf("only %d recorded conversations say the word: the recording does not test the change", len(want))
	}
	flow := copyFlow(t)
	flowtest.Edit(t, filepath.Join(filepath.Dir(flow), "common/escalation.yaml"),
		`it: [rimborso, rimborsare, rimborsi,`, `it: [reso, rimborso, rimborsare, rimborsi,`)
	newFlow, oldFlow := load(t, flow), load(t, frozenFlow)
	for _, o := range []replay.Options{{Flow: newFlow}, {Flow: newFlow, Baseline: oldFlow}} {
		rep, err := replay.Replay(context.Background(), convs, o)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range rep.Diffs {
			got = append(got, d.Conversation)
			if !slices.ContainsFunc(d.Changes, func(c replay.Change) bool {
				return c.Kind == replay.ChangeStates && strings.HasPrefix(c.New, "human → ")
			}) {
				t.Errorf("against %s, %s changed otherwise: %+v", rep.Against, d.Conversation, d.Changes)
			}
		}
		if len(got) != len(want) {
			t.Errorf("against %s: %d changed (%v), want the %d that say the word (%v)", rep.Against, len(got), got, len(want), keys(want))
		}
		for _, id := range got {
			if !want[id] {
				t.Errorf("against %s: %s changed but never says the word", rep.Against, id)
			}
		}
		if rep.Changed != len(want) || rep.Counts[replay.ChangeStates] != len(want) || !strings.Contains(rep.Summary, " of 600 conversations now hand off instead of being contained") {
			t.Errorf("against %s: %d changed, counts %v, summary %q", rep.Against, rep.Changed, rep.Counts, rep.Summary)
		}
	}
}

// beforeHandoff reports whether input i reached the bot (no handoff in the
// steps before it).
func beforeHandoff(c *replay.Conversation, i int) bool {
	for _, st := range c.Recorded.Steps[:i] {
		if st.Handoff != nil {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A host's rotated events files are one stream: conversations that go on
// from one file into the next are read whole, and replay as recorded.
func TestRotatedFilesAreOneStream(t *testing.T) {
	data := events(t)
	cut := bytes.IndexByte(data[len(data)/2:], '\n') + len(data)/2 + 1
	f := load(t, frozenFlow)
	var convs []*replay.Conversation
	s := replay.NewStream(replay.Idle(f), func(c *replay.Conversation) { convs = append(convs, c) })
	for i, part := range [][]byte{data[:cut], data[cut:]} {
		if err := s.Read(bytes.NewReader(part), fmt.Sprintf("events-%d.jsonl", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	rep, err := replay.Replay(context.Background(), convs, replay.Options{Flow: f})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Conversations != recordedN || len(rep.Skipped) != 0 || rep.Changed != 0 {
		t.Errorf("%d read, skipped %v; %s", rep.Conversations, rep.Skipped, rep.Summary)
	}
	// Read apart, the conversations cut in two are not replayed (the
	// second part began before its file) and say why.
	var apart []*replay.Conversation
	for _, part := range [][]byte{data[:cut], data[cut:]} {
		if err := replay.StreamEvents(bytes.NewReader(part), "part.jsonl", replay.Idle(f), func(c *replay.Conversation) { apart = append(apart, c) }); err != nil {
			t.Fatal(err)
		}
	}
	skipped := 0
	for _, c := range apart {
		if strings.Contains(c.Skip, "began before the events do") {
			skipped++
		}
	}
	if skipped == 0 || len(apart) != recordedN+skipped {
		t.Errorf("read apart: %d conversations, %d skipped", len(apart), skipped)
	}
}

// A deployment's events hold the conversations of every flow it runs:
// those of another flow than --flow (and --baseline) are not replayed on
// it, as if the shop's bot had had the booking bot's customers, but
// listed as skipped with the flow they ran.
func TestOtherFlowsConversationsAreSkipped(t *testing.T) {
	ev := func(n int, typ, rest string) string {
		return fmt.Sprintf(`{"v":1,"id":"b:1:%d","type":%q,"at":"2026-03-03T10:30:00+01:00","conversation":"b","contact":"c1","flow":"table-booking","channel":"whatsapp","lang":"it"%s}`+"\n", n, typ, rest)
	}
	other := ev(1, "conversation_started", "") +
		ev(2, "message_in", `,"kind":"text","size":4,"text":"ciao","to":"bot"`) +
		ev(3, "state_entered", `,"state":"welcome"`) +
		ev(4, "message_out", `,"state":"welcome","from":"bot","size":5,"text":"Salve"`)
	stream := append(slices.Clone(events(t)), other...)
	convs, err := replay.ReadEvents(bytes.NewReader(stream), "events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	f := load(t, frozenFlow)
	for _, o := range []replay.Options{{Flow: f}, {Flow: f, Baseline: f}} {
		rep, err := replay.Replay(context.Background(), convs, o)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Conversations != 601 || rep.Replayed != 600 || rep.Changed != 0 || len(rep.Skipped) != 1 {
			t.Fatalf("against %s: %d read, %d replayed, %d changed, skipped %v", rep.Against, rep.Conversations, rep.Replayed, rep.Changed, rep.Skipped)
		}
		if s := rep.Skipped[0]; s.Conversation != "b" || !strings.Contains(s.Reason, `"table-booking"`) || !strings.Contains(s.Reason, `"shop-support"`) {
			t.Errorf("skipped %+v", s)
		}
	}
}

// An end: true (no reason) is recorded as a conversation_ended with no
// reason: replayed on the same flow, the conversation ends the same way.
func TestEndWithoutReasonIsNoChange(t *testing.T) {
	ev := func(n string, typ, rest string) string {
		return `{"v":1,"id":"e:` + n + `","type":"` + typ + `","at":"2026-03-03T10:30:00Z","conversation":"e","contact":"c1","flow":"ends","channel":"sandbox","lang":"en"` + rest + "}\n"
	}
	stream := ev("1:1", "conversation_started", "") +
		ev("1:2", "message_in", `,"kind":"text","size":2,"text":"hi","to":"bot"`) +
		ev("1:3", "state_entered", `,"state":"a"`) +
		ev("1:4", "message_out", `,"state":"a","from":"bot","size":2,"text":"hi","options":2`) +
		ev("2:1", "message_in", `,"state":"a","kind":"text","size":1,"text":"1","to":"bot","choice":"x"`) +
		ev("2:2", "conversation_ended", `,"state":"a","outcome":"contained"`)
	convs, err := replay.ReadEvents(strings.NewReader(stream), "events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := replay.Replay(context.Background(), convs, replay.Options{Flow: load(t, "testdata/flows/ends.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Replayed != 1 || rep.Changed != 0 {
		t.Errorf("%d replayed, %s: %+v", rep.Replayed, rep.Summary, rep.Diffs)
	}
}

// A customer who comes back days later to a conversation left with the
// bot (it expired: the analytics end it, the engine goes on from where it
// was) is past the stream's idle time: its first part was handed on and
// replayed alone. The part after is not replayed, and says why: not that
// an earlier events file is missing, when none is.
func TestConversationBackAfterIdleSaysWhy(t *testing.T) {
	var b strings.Builder
	t0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	ev := func(at time.Time, conv, typ, rest string) {
		fmt.Fprintf(&b, `{"v":1,"id":"%s-%d","type":"%s","at":"%s","conversation":"%s","flow":"f","lang":"en"%s}`+"\n", conv, b.Len(), typ, at.Format(time.RFC3339), conv, rest)
	}
	ev(t0, "back", "conversation_started", "")
	ev(t0, "back", "message_in", `,"kind":"text","text":"hi","size":2`)
	for i := range 5000 { // four days of other conversations
		ev(t0.Add(time.Duration(i)*time.Minute), fmt.Sprintf("o%d", i), "conversation_started", "")
	}
	back := t0.Add(5000 * time.Minute)
	ev(t0.Add(24*time.Hour), "back", "conversation_ended", `,"reason":"expired","outcome":"expired"`)
	ev(back, "back", "conversation_started", "")
	ev(back, "back", "message_in", `,"kind":"text","text":"hello again","size":11`)
	var parts []*replay.Conversation
	s := replay.NewStream(48*time.Hour, func(c *replay.Conversation) {
		if c.ID == "back" {
			parts = append(parts, c)
		}
	})
	if err := s.Read(strings.NewReader(b.String()), "events.jsonl"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if len(parts) != 2 || parts[0].Skip != "" {
		t.Fatalf("%d parts", len(parts))
	}
	if skip := parts[1].Skip; !strings.Contains(skip, "came back after it expired") || strings.Contains(skip, "give the earlier events file first") {
		t.Errorf("the part after the customer came back: %q", skip)
	}
}

// The stream's clock, which tells when a conversation is over, is the
// latest time read: an event dated in the past (the end a host writes at
// a conversation's expiry when its customer comes back days later) must
// not hold it back. Here such an event comes when the stream looks for
// idle conversations: the conversation silent for three days is still
// over, and its customer's message after that is a part of its own.
func TestOldEventDoesNotHoldTheStreamClockBack(t *testing.T) {
	var b strings.Builder
	n := 0
	t0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	ev := func(at time.Time, conv, typ, rest string) {
		n++
		fmt.Fprintf(&b, `{"v":1,"id":"%s-%d","type":"%s","at":"%s","conversation":"%s","flow":"f","lang":"en"%s}`+"\n", conv, n, typ, at.Format(time.RFC3339), conv, rest)
	}
	ev(t0, "quiet", "conversation_started", "")
	ev(t0, "quiet", "message_in", `,"kind":"text","text":"hi","size":2`)
	later := t0.Add(72 * time.Hour)
	for i := 0; n < 4095; i++ { // three days later, other conversations
		ev(later.Add(time.Duration(i)*time.Second), fmt.Sprintf("o%d", i), "conversation_started", "")
	}
	// The 4096th event: a conversation that expired two days before,
	// whose customer came back now.
	ev(t0.Add(24*time.Hour), "back", "conversation_ended", `,"reason":"expired","outcome":"expired"`)
	ev(later.Add(time.Hour), "quiet", "message_in", `,"kind":"text","text":"hello again","size":11`)
	var parts []*replay.Conversation
	s := replay.NewStream(48*time.Hour, func(c *replay.Conversation) {
		if c.ID == "quiet" {
			parts = append(parts, c)
		}
	})
	if err := s.Read(strings.NewReader(b.String()), "events.jsonl"); err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 {
		t.Fatalf("after the stream was read, %d parts of the conversation silent for 3 days were handed on, want 1 (its first part)", len(parts))
	}
	s.Close()
	if len(parts) != 2 || len(parts[0].Inputs) != 1 || len(parts[1].Inputs) != 1 {
		t.Fatalf("%d parts, want 2 of one message each", len(parts))
	}
}
