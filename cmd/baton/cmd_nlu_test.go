package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonbot/baton/nlueval"
)

const nluDevSet = "../../../shared/data/triage-dev.jsonl"

func runNLUTest(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code = run(context.Background(), e, append([]string{"nlu"}, args...))
	return code, out.String(), errb.String()
}

// writeNLUData writes a small labelled set: two intents in two languages.
func writeNLUData(t *testing.T, name string, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var nluSmall = []string{
	`{"text": "where is my order A12345?", "lang": "en", "intent": "order_status", "wants_human": false, "frustrated": false, "sentiment": "neutral"}`,
	`{"text": "dov'è il mio pacco?", "lang": "it", "intent": "order_status", "wants_human": false, "frustrated": false, "sentiment": "neutral"}`,
	`{"text": "my parcel has not arrived yet", "lang": "en", "intent": "order_status", "wants_human": false, "frustrated": false, "sentiment": "neutral"}`,
	`{"text": "tracking del mio ordine per favore", "lang": "it", "intent": "order_status", "wants_human": false, "frustrated": false, "sentiment": "neutral"}`,
	`{"text": "I want to talk to a human", "lang": "en", "intent": "agent", "wants_human": true, "frustrated": false, "sentiment": "neutral"}`,
	`{"text": "passami un operatore", "lang": "it", "intent": "agent", "wants_human": true, "frustrated": false, "sentiment": "neutral"}`,
	`{"text": "REAL PERSON NOW, this bot is useless 😡", "lang": "en", "intent": "agent", "wants_human": true, "frustrated": true, "sentiment": "negative"}`,
	`{"text": "voglio parlare con una persona vera", "lang": "it", "intent": "agent", "wants_human": true, "frustrated": false, "sentiment": "neutral"}`,
}

func TestNLUEvalJSONContract(t *testing.T) {
	train := writeNLUData(t, "train.jsonl", nluSmall...)
	test := writeNLUData(t, "test.jsonl", nluSmall[:4]...)
	for _, args := range [][]string{
		{"eval", "--train", train, "--test", test, "--json"},
		{"eval", "--train", train, "--folds", "2", "--json"},
	} {
		code, out, errOut := runNLUTest(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d, stderr: %s", args, code, errOut)
		}
		var got map[string]any
		dec := json.NewDecoder(strings.NewReader(out))
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%v: output is not one JSON object: %v\n%s", args, err, out)
		}
		if dec.More() {
			t.Fatalf("%v: more than one JSON value in the output:\n%s", args, out)
		}
		for _, path := range []string{"n", "wants_human.precision", "wants_human.recall", "wants_human.f1",
			"frustrated.precision", "frustrated.recall", "frustrated.f1", "intent.accuracy", "intent.macro_f1",
			"sentiment.accuracy"} {
			v := any(got)
			for _, k := range strings.Split(path, ".") {
				m, ok := v.(map[string]any)
				if !ok {
					t.Fatalf("%v: %s: not an object in %s", args, path, out)
				}
				v = m[k]
			}
			f, ok := v.(float64)
			if !ok {
				t.Errorf("%v: %s = %v, want a number", args, path, v)
			} else if f < 0 || (path != "n" && f > 1) {
				t.Errorf("%v: %s = %v out of range", args, path, f)
			}
		}
	}
	// The test-file run scores the four test messages.
	_, out, _ := runNLUTest(t, "eval", "--train", train, "--test", test, "--json")
	var r struct {
		N          int
		WantsHuman struct{ Precision, Recall float64 } `json:"wants_human"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.N != 4 {
		t.Errorf("n = %d, want 4 (the test file's messages)", r.N)
	}
}

func TestNLUEvalTextReport(t *testing.T) {
	train := writeNLUData(t, "train.jsonl", nluSmall...)
	code, out, errOut := runNLUTest(t, "eval", "--train", train, "--folds", "2")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"2-fold cross-validation", "wants_human", "frustrated", "macro-F1", "confusion matrix", "order_status", "messages/second"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestNLUEvalErrors(t *testing.T) {
	good := writeNLUData(t, "good.jsonl", nluSmall...)
	bad := writeNLUData(t, "bad.jsonl", nluSmall[0], nluSmall[1], `{"text": "broken", "intent": `)
	badSentiment := writeNLUData(t, "sent.jsonl", `{"text": "hi", "lang": "en", "intent": "greeting", "wants_human": false, "frustrated": false, "sentiment": "happy"}`)
	huge := writeNLUData(t, "huge.jsonl", nluSmall[0], `{"text": "`+strings.Repeat("a", 5<<20)+`", "lang": "en", "intent": "other", "wants_human": false, "frustrated": false, "sentiment": "neutral"}`)
	dir := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no subcommand", nil, exitUsage, "missing subcommand"},
		{"unknown subcommand", []string{"train"}, exitUsage, `unknown subcommand "train"`},
		{"no train", []string{"eval"}, exitUsage, "missing --train"},
		{"unknown flag", []string{"eval", "--train", good, "--bogus"}, exitUsage, "bogus"},
		{"stray argument", []string{"eval", "--train", good, "extra"}, exitUsage, "unexpected argument"},
		{"threshold NaN", []string{"eval", "--test", good, "--threshold", "NaN"}, exitUsage, "--threshold NaN: use a number between 0 and 1"},
		{"one fold", []string{"eval", "--train", good, "--folds", "1"}, exitUsage, "at least 2 folds"},
		{"missing file", []string{"eval", "--train", filepath.Join(t.TempDir(), "nope.jsonl")}, exitUsage, "no such file"},
		{"bad JSON line", []string{"eval", "--train", good, "--test", bad}, exitFailed, bad + ":3: invalid JSON"},
		{"bad sentiment", []string{"eval", "--train", badSentiment}, exitFailed, badSentiment + `:1: "sentiment" is "happy"`},
		{"line too long", []string{"eval", "--train", good, "--test", huge}, exitFailed, huge + ":2: the line is over 4 MB"},
		{"a directory", []string{"eval", "--train", good, "--test", dir}, exitRuntime, "is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runNLUTest(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, errOut)
			}
			if !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stderr %q does not mention %q", errOut, tc.stderr)
			}
		})
	}
}

func TestNLUHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"eval", "--help"}, {"eval", "-h"}} {
		code, out, _ := runNLUTest(t, args...)
		if code != exitOK {
			t.Errorf("%v: exit %d, want 0", args, code)
		}
		if !strings.Contains(out, "Usage: baton nlu eval") || !strings.Contains(out, "-folds") {
			t.Errorf("%v: usage not on stdout:\n%s", args, out)
		}
	}
}

// TestNLUEvalDevSet runs the command the way CI does, from the repository
// root's point of view, on the shared dev set.
func TestNLUEvalDevSet(t *testing.T) {
	if _, err := os.Stat(nluDevSet); err != nil {
		t.Skipf("skipping: the dev set %s is absent", nluDevSet)
	}
	code, out, errOut := runNLUTest(t, "eval", "--train", nluDevSet, "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		N     int
		Folds int
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.N != 360 || r.Folds != 5 {
		t.Errorf("n=%d folds=%d, want 360 messages in 5 folds", r.N, r.Folds)
	}
}

// nluFlowSmall is a labelled set for the example flow: an order question,
// a payments question the FAQ answers, a request for a person, a
// frustrated message, a cancellation and a keyboard mash.
var nluFlowSmall = []string{
	`{"text": "dov'è il mio ordine A12345?", "lang": "it", "intent": "order_status", "wants_human": false, "frustrated": false, "sentiment": "neutral"}`,
	`{"text": "accettate satispay?", "lang": "it", "intent": "faq", "wants_human": false, "frustrated": false, "sentiment": "neutral"}`,
	`{"text": "vorrei parlare con una persona", "lang": "it", "intent": "agent", "wants_human": true, "frustrated": false, "sentiment": "neutral"}`,
	`{"text": "siete degli incompetenti, che schifo", "lang": "it", "intent": "other", "wants_human": false, "frustrated": true, "sentiment": "negative"}`,
	`{"text": "I want to cancel my subscription", "lang": "en", "intent": "cancellation", "wants_human": false, "frustrated": false, "sentiment": "neutral"}`,
	`{"text": "qwertyuiop asdfghjkl", "lang": "it", "intent": "other", "wants_human": false, "frustrated": false, "sentiment": "neutral"}`,
}

const supportFlow = "../../examples/flows/support.yaml"

func TestNLUEvalFlow(t *testing.T) {
	test := writeNLUData(t, "test.jsonl", nluFlowSmall...)
	code, out, errOut := runNLUTest(t, "eval", supportFlow, "--test", test, "--map", "faq=shipping_times,returns,payments", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		N           int
		WantsHuman  struct{ Recall float64 } `json:"wants_human"`
		Frustrated  struct{ Recall float64 }
		OutOfDomain struct {
			N, Confident int
		} `json:"out_of_domain"`
		Intent struct {
			Labels []string
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// "agent" and "other" are not intents of the flow: out of its domain.
	if r.N != 6 || r.OutOfDomain.N != 3 || r.WantsHuman.Recall != 1 || r.Frustrated.Recall != 1 {
		t.Errorf("report %+v\n%s", r, out)
	}
	// The intents of a --map may be written with spaces after the commas.
	code, spaced, errOut := runNLUTest(t, "eval", supportFlow, "--test", test, "--map", "faq=shipping_times, returns, payments", "--json")
	if code != exitOK || !strings.Contains(spaced, `"out_of_domain":{"n":3,`) {
		t.Errorf("--map with spaces: exit %d, stderr %s\n%s", code, errOut, spaced)
	}
	code, out, errOut = runNLUTest(t, "eval", supportFlow, "--test", test, "--errors")
	if code != exitOK || !strings.Contains(out, "out of domain") || !strings.Contains(out, "through the NLU of") {
		t.Errorf("text report: exit %d, stderr %s\n%s", code, errOut, out)
	}
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"eval", supportFlow}, "missing --test"},
		{[]string{"eval", supportFlow, "--test", test, "--map", "faq"}, "write LABEL=INTENT"},
		{[]string{"eval", supportFlow, "--test", test, "--map", "faq=,"}, "write LABEL=INTENT"},
		{[]string{"eval", supportFlow, "--test", test, "--map", "faq=nope"}, `has no intent "nope"`},
		{[]string{"eval", supportFlow, "--test", test, "--map", "billing=cancellation"}, `billing is an intent of`},
		{[]string{"eval", "--test", test, "--escalation"}, "need a FLOW"},
	} {
		if code, _, errOut := runNLUTest(t, tc.args...); code != exitUsage || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, exitUsage, tc.stderr)
		}
	}
	if code, _, errOut := runNLUTest(t, "eval", filepath.Join(t.TempDir(), "nope.yaml"), "--test", test); code != exitUsage || !strings.Contains(errOut, "nope.yaml") {
		t.Errorf("a missing flow: exit %d, stderr %q", code, errOut)
	}
}

func TestNLUEvalEscalation(t *testing.T) {
	test := writeNLUData(t, "test.jsonl", nluFlowSmall...)
	code, out, errOut := runNLUTest(t, "eval", supportFlow, "--test", test, "--escalation", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r nlueval.EscalationReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// A person is needed for the request, the insult and the cancellation;
	// the order question, the FAQ and the keyboard mash stay with the bot.
	if r.N != 6 || r.Needed != 3 || r.Accuracy != 1 || r.Recall != 1 || r.FalseAlarms != 0 || r.Now != "2026-03-03T10:30:00+01:00" {
		t.Errorf("report %+v", r)
	}
	if rr := r.ByReason["cancellation"]; rr.N != 1 || rr.Escalated != 1 {
		t.Errorf("cancellation recall %+v", rr)
	}
	// At night the flow closes: no live handoff, so the escalations are
	// missed (and listed with --errors).
	code, out, _ = runNLUTest(t, "eval", supportFlow, "--test", test, "--escalation", "--now", "2026-03-07T22:00:00+01:00", "--errors")
	if code != exitOK || !strings.Contains(out, "recall 0.000") || !strings.Contains(out, "stayed in after_hours") {
		t.Errorf("after hours: exit %d\n%s", code, out)
	}
	if code, _, errOut := runNLUTest(t, "eval", supportFlow, "--test", test, "--escalation", "--now", "tomorrow"); code != exitUsage || !strings.Contains(errOut, "RFC 3339") {
		t.Errorf("a bad --now: exit %d, %s", code, errOut)
	}
}

// TestNLUEvalBuiltinCorpus trains on the built-in corpus when no --train
// is given, and on several files when --train repeats.
func TestNLUEvalBuiltinCorpus(t *testing.T) {
	test := writeNLUData(t, "test.jsonl", nluSmall...)
	code, out, errOut := runNLUTest(t, "eval", "--test", test)
	if code != exitOK || !strings.Contains(out, "trained on the built-in corpus") {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	a := writeNLUData(t, "a.jsonl", nluSmall[:4]...)
	b := writeNLUData(t, "b.jsonl", nluSmall[4:]...)
	code, out, errOut = runNLUTest(t, "eval", "--train", a, "--train", b, "--test", test)
	if code != exitOK || !strings.Contains(out, "trained on "+a+" + "+b) {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
}

// TestNLUEvalEscalationKeywordsOnly: a flow that escalates on keywords
// alone reads no NLU signal, yet its escalations can be measured end to
// end; only the analyser's own report has nothing to show.
func TestNLUEvalEscalationKeywordsOnly(t *testing.T) {
	dir := t.TempDir()
	flow := filepath.Join(dir, "keywords.yaml")
	if err := os.WriteFile(flow, []byte(`flow: keywords
version: "1"
start: menu
languages: [it, en]
triggers:
  - name: asks_for_human
    keywords: {it: [operatore, persona], en: [agent, person]}
    handoff: {team: support}
states:
  menu:
    say: {it: "Scrivi pure.", en: "Go ahead."}
    ask: {save_as: last}
    next: menu
`), 0o644); err != nil {
		t.Fatal(err)
	}
	test := writeNLUData(t, "test.jsonl", nluFlowSmall...)
	code, out, errOut := runNLUTest(t, "eval", flow, "--test", test, "--escalation", "--json")
	if code != exitOK {
		t.Fatalf("--escalation on a keyword-only flow: exit %d: %s", code, errOut)
	}
	var r nlueval.EscalationReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// Only "vorrei parlare con una persona" names a keyword.
	if r.N != 6 || r.Needed != 3 || r.Escalated != 1 || r.FalseAlarms != 0 || r.ByReason["wants_human"].Escalated != 1 {
		t.Errorf("report %+v", r)
	}
	// Nothing broke outside: the command line asks for a report the flow
	// cannot give (it used to exit 3, "something outside broke").
	if code, _, errOut := runNLUTest(t, "eval", flow, "--test", test); code != exitUsage || !strings.Contains(errOut, "nothing to evaluate") {
		t.Errorf("without --escalation: exit %d, stderr %q; want %d and nothing to evaluate", code, errOut, exitUsage)
	}
}

// TestNLUEvalIntentsNotRoutedYet: a designer declares the flow's intents
// and measures them before any route reads them, as rasa test nlu does;
// the flow's NLU is evaluated. It used to be refused ("reads no NLU
// signal ... nothing to evaluate") with exit 3.
func TestNLUEvalIntentsNotRoutedYet(t *testing.T) {
	flow := filepath.Join(t.TempDir(), "intents.yaml")
	if err := os.WriteFile(flow, []byte(`flow: intents
start: menu
languages: [it, en]
nlu:
  intents:
    order_status:
      it: [dov'è il mio ordine, dove si trova il pacco]
      en: [where is my order, track my parcel]
    cancellation:
      it: [voglio disdire l'abbonamento]
      en: [cancel my subscription, i want to cancel]
triggers:
  - {name: asks_for_human, keywords: [operatore, agent], handoff: {team: support}}
states:
  menu:
    say: {it: "Scrivi pure.", en: "Go ahead."}
    ask: {save_as: last}
    next: menu
`), 0o644); err != nil {
		t.Fatal(err)
	}
	test := writeNLUData(t, "test.jsonl", nluFlowSmall...)
	code, out, errOut := runNLUTest(t, "eval", flow, "--test", test, "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		N           int
		OutOfDomain struct{ N int } `json:"out_of_domain"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// faq, agent and the two others are not the flow's intents.
	if r.N != len(nluFlowSmall) || r.OutOfDomain.N != 4 {
		t.Errorf("%d messages evaluated, %d out of the domain; want %d and 4:\n%s", r.N, r.OutOfDomain.N, len(nluFlowSmall), out)
	}
}
