package nlueval

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/nlu"
)

func TestWriteReport(t *testing.T) {
	r := &nlu.Report{
		N:          4,
		WantsHuman: nlu.Binary{Precision: 1, Recall: 0.5, F1: 2.0 / 3, TP: 1, FN: 1},
		Frustrated: nlu.Binary{Precision: 0.5, Recall: 1, F1: 2.0 / 3, TP: 1, FP: 1},
		Intent: nlu.IntentReport{
			Accuracy: 0.75, MacroF1: 0.7,
			Labels:    []string{"cancellation", "faq"},
			Confusion: [][]int{{2, 1}, {0, 1}},
		},
		OutOfDomain:       &nlu.OutOfDomain{N: 2, Confident: 1, Rate: 0.5},
		MessagesPerSecond: 1234.4,
		Errors:            []nlu.Mistake{{Signal: "intent", Text: "I want\nto leave", Expected: "cancellation", Got: "faq"}},
	}
	r.Sentiment.Accuracy = 0.5
	const head = `signal       precision    recall        f1    tp    fp    fn
wants_human      1.000     0.500     0.667     1     0     1
frustrated       0.500     1.000     0.667     1     1     0

intent       accuracy 0.750  macro-F1 0.700
out of domain 2 messages with a label the flow does not have: 1 got a confident intent (50.0%)
sentiment    accuracy 0.500  (negative <= -0.25 < neutral < 0.25 <= positive)
speed        1234 messages/second

intent confusion matrix (rows: expected, columns: predicted)
              cance   faq
cancellation      2     1
faq               0     1
`
	const mistakes = `
mistakes
  intent      want cancellation got faq          I want to leave
`
	for _, tc := range []struct {
		withMistakes bool
		want         string
	}{{false, head}, {true, head + mistakes}} {
		var b strings.Builder
		WriteReport(&b, r, tc.withMistakes)
		if b.String() != tc.want {
			t.Errorf("WriteReport(mistakes %v) =\n%s\nwant:\n%s", tc.withMistakes, b.String(), tc.want)
		}
	}
}

func TestWriteEscalationReport(t *testing.T) {
	r := &EscalationReport{
		N: 4, Accuracy: 0.75, Needed: 2, Escalated: 2, Recall: 0.5, Precision: 0.5, FalseAlarms: 1,
		Now: "2026-03-03T10:30:00+01:00",
		ByReason: map[string]EscalationRecall{
			"wants_human":  {N: 1, Escalated: 1, Recall: 1},
			"cancellation": {N: 1},
		},
		Misses: []EscalationMiss{
			{Text: "cancel it", Want: true, Reason: "cancellation", Got: "stayed in menu"},
			{Text: "thanks", Got: "handoff: frustrated"},
		},
	}
	var b strings.Builder
	WriteEscalationReport(&b, r, "test.jsonl", "flow.yaml", true)
	want := `4 messages from test.jsonl, each after a greeting through flow.yaml at 2026-03-03T10:30:00+01:00

escalated correctly  0.750  (2 of 4)
needing a person     2, escalated 1: recall 0.500
escalations          2, precision 0.500, false alarms 1 of 2 messages that did not need one

recall by reason (a topic counts when the message carries neither signal)
  cancellation      1  escalated    0  recall 0.000
  wants_human       1  escalated    1  recall 1.000

mistakes
  want handoff (cancellation)   got stayed in menu                     cancel it
  want no handoff               got handoff: frustrated                thanks
`
	if b.String() != want {
		t.Errorf("WriteEscalationReport =\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	bad := filepath.Join(dir, "bad.jsonl")
	for path, text := range map[string]string{
		good: `{"text": "ciao", "lang": "it", "intent": "greet", "wants_human": false, "frustrated": false, "sentiment": "neutral"}` + "\n",
		bad:  "not json\n",
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if data, err := ReadFile(good); err != nil || len(data) != 1 || data[0].Intent != "greet" {
		t.Errorf("ReadFile(good) = %+v, %v", data, err)
	}
	var pe *fs.PathError
	if _, err := ReadFile(filepath.Join(dir, "nope.jsonl")); !errors.As(err, &pe) {
		t.Errorf("a missing file: %v, want an *fs.PathError", err)
	}
	if _, err := ReadFile(bad); err == nil || errors.As(err, &pe) || !strings.Contains(err.Error(), "bad.jsonl:1") {
		t.Errorf("a bad line: %v, want path:line and no *fs.PathError", err)
	}
}

// TestEscalationRun: through the example support flow, a person is needed
// for the request, the insult and the cancellation; the order question,
// the FAQ and the keyboard mash stay with the bot. At night the flow is
// closed, so nothing is handed off live.
func TestEscalationRun(t *testing.T) {
	f, diags := dsl.LoadFile("../examples/flows/support.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	data := []nlu.Labeled{
		{Text: "dov'è il mio ordine A12345?", Lang: "it", Intent: "order_status"},
		{Text: "accettate satispay?", Lang: "it", Intent: "faq"},
		{Text: "vorrei parlare con una persona", Lang: "it", Intent: "agent", WantsHuman: true},
		{Text: "siete degli incompetenti, che schifo", Lang: "it", Intent: "other", Frustrated: true},
		{Text: "I want to cancel my subscription", Lang: "en", Intent: "cancellation"},
		{Text: "qwertyuiop asdfghjkl", Lang: "it", Intent: "other"},
	}
	need := []string{"billing", "cancellation"}
	r, err := Escalation{Flow: f, Need: need}.Run(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if r.N != 6 || r.Needed != 3 || r.Escalated != 3 || r.Accuracy != 1 || r.Recall != 1 || r.Precision != 1 || r.FalseAlarms != 0 || len(r.Misses) != 0 {
		t.Errorf("open hours: %+v", r)
	}
	if r.Now != "2026-03-03T10:30:00+01:00" {
		t.Errorf("the default time is %s, want the first open half hour, 2026-03-03T10:30:00+01:00", r.Now)
	}
	for _, reason := range []string{"wants_human", "frustrated", "cancellation"} {
		if rr := r.ByReason[reason]; rr.N != 1 || rr.Escalated != 1 || rr.Recall != 1 {
			t.Errorf("%s: %+v", reason, rr)
		}
	}
	night := time.Date(2026, 3, 7, 22, 0, 0, 0, time.FixedZone("CET", 3600))
	r, err = Escalation{Flow: f, Need: need, Now: night}.Run(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if r.Escalated != 0 || r.Recall != 0 || len(r.Misses) != 3 || !strings.HasPrefix(r.Misses[0].Got, "stayed in ") {
		t.Errorf("after hours: %+v", r)
	}
	if _, err := (Escalation{Flow: f, Greeting: "vorrei parlare con una persona"}).Run(context.Background(), data[:1]); err == nil || !strings.Contains(err.Error(), "--greeting") {
		t.Errorf("a greeting that hands off: %v, want an error naming --greeting", err)
	}
}

// TestEscalationRunCanceled: an interrupted run (Ctrl-C) stops with the
// context's error instead of going on without the NLU and reporting the
// figures of a flow that heard nothing.
func TestEscalationRunCanceled(t *testing.T) {
	f, diags := dsl.LoadFile("../examples/flows/support.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	data := []nlu.Labeled{
		{Text: "vorrei parlare con una persona", Lang: "it", Intent: "agent", WantsHuman: true},
		{Text: "siete degli incompetenti, che schifo", Lang: "it", Intent: "other", Frustrated: true},
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := Escalation{Flow: f, Need: []string{"billing", "cancellation"}}.Run(ctx, data)
	if !errors.Is(err, context.Canceled) || r != nil {
		t.Errorf("a canceled run = %+v, %v; want no report and context.Canceled", r, err)
	}
}

// --errors with nothing wrong says so under "mistakes": the heading used
// to stand alone at the end of the report, as if the list were cut off.
func TestReportsSayNoMistakes(t *testing.T) {
	var b strings.Builder
	WriteEscalationReport(&b, &EscalationReport{N: 1, Accuracy: 1, Now: "2026-03-03T10:30:00+01:00"}, "test.jsonl", "flow.yaml", true)
	if want := "\nmistakes\n  none: every message went as labelled\n"; !strings.HasSuffix(b.String(), want) {
		t.Errorf("WriteEscalationReport ends\n%q\nwant it to end %q", b.String(), want)
	}
	b.Reset()
	WriteReport(&b, &nlu.Report{N: 1}, true)
	if want := "\nmistakes\n  none: every message went as labelled\n"; !strings.HasSuffix(b.String(), want) {
		t.Errorf("WriteReport ends\n%q\nwant it to end %q", b.String(), want)
	}
}
