package chat_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/chat"
	"github.com/batonbot/baton/convtest"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

const surveyPath = "../examples/flows/survey.yaml"

func surveyConfig(t *testing.T) sandbox.Config {
	t.Helper()
	f, diags := dsl.LoadFile(surveyPath)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	return sandbox.Config{Flow: f, Lang: "en", Channel: "sandbox", Contact: flows.Contact{ID: "u1", Name: "Sam"},
		Now: time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC), Fixed: true}
}

// run chats over input and returns what it wrote.
func run(t *testing.T, o chat.Options, input string) (chat.Result, string) {
	t.Helper()
	var out bytes.Buffer
	o.Path, o.Stdin, o.Stdout, o.Stderr = surveyPath, strings.NewReader(input), &out, &out
	if o.Config.Flow == nil {
		o.Config = surveyConfig(t)
	}
	res, err := chat.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return res, out.String()
}

// Piped text: each line echoed after "you> ", the bot's replies, and a
// problem for a command it does not know, with a suggestion.
func TestRunText(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		want        []string
	}{
		{"a conversation", "hi\nAnna\n", []string{"you> hi", "bot: Hi! What's your name?", "you> Anna", "Nice to meet you, Anna! How old are you?"}},
		{"a mistyped command", "hi\n/stae\n", []string{"unknown command /stae; did you mean /state?"}},
		{"a ticket status it does not know", "hi\n/ticket reopened\n", []string{`/ticket needs open, pending, solved, closed or declined, not "reopened"`}},
		{"a message starting with /", "hi\n//etc\n", []string{"you> //etc", "Nice to meet you, /etc!"}},
		{"the state", "hi\n/state\n", []string{"state ask_name, lifecycle"}},
		// Past the year 9999 no time can be written as JSON: the session
		// was lost without a word (the state "(not started)").
		{"a wait past the sandbox's years", "hi\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/wait 2562047h\n/state\n",
			[]string{"/wait 2562047h would move the clock to the year 9040: the sandbox's clock keeps to the years 1900 to 9000", "state ask_name, lifecycle"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, out := run(t, chat.Options{}, tc.input)
			if res.InputFailed || res.Recording != nil {
				t.Errorf("result %+v", res)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in:\n%s", w, out)
				}
			}
		})
	}
}

// A survey's events read as sentences, like the other events: they were
// printed as raw JSON ({"type":"survey_answered",...}) among them.
func TestRunTextSurvey(t *testing.T) {
	f, diags := dsl.Load("csat.yaml", []byte(`flow: csat
languages: [en]
start: csat
triggers:
  - {name: human, keywords: [agent], handoff: {team: support}}
states:
  csat:
    survey:
      kind: csat
      question: "How did we do, from 1 to 5?"
      save_as: csat
      followup: {question: "What could we do better?", save_as: why}
      skip: bye
    next: bye
  bye: {say: Bye!, end: true}
`))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	cfg := surveyConfig(t)
	cfg.Flow = f
	for _, tc := range []struct {
		name, input string
		want        []string
	}{
		{"answered", "hi\n2\nslow replies\n", []string{
			"· survey csat asked (csat, 1 to 5)",
			"· survey csat answered: 2 (csat)",
			`· survey csat comment: "slow replies"`,
		}},
		{"skipped", "hi\nno thanks\n", []string{"· survey csat skipped (csat)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, out := run(t, chat.Options{Config: cfg}, tc.input)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in:\n%s", w, out)
				}
			}
			if strings.Contains(out, `{"type":"survey`) {
				t.Errorf("a survey event as raw JSON:\n%s", out)
			}
		})
	}
}

// A "/" with no command name ("/" alone, "/ Anna") is a mistake, not a
// message: it used to answer the question with "" or "Anna", the slash
// dropped.
func TestRunSlashWithoutCommand(t *testing.T) {
	for _, input := range []string{"hi\n/\n", "hi\n/ Anna\n"} {
		_, out := run(t, chat.Options{}, input)
		if want := "a command follows / with no space, e.g. /help"; !strings.Contains(out, want) {
			t.Errorf("%q: no %q in:\n%s", input, want, out)
		}
		if strings.Contains(out, "Nice to meet you") {
			t.Errorf("%q: the line was sent as an answer:\n%s", input, out)
		}
	}
}

// --json: one object per line, a "user" event before what it causes, and
// an "error" event for a problem.
func TestRunJSON(t *testing.T) {
	_, out := run(t, chat.Options{JSON: true}, "hi\n/nope\nAnna\n")
	var types []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var ev struct{ Type, Text string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		types = append(types, ev.Type)
	}
	got := strings.Join(types, " ")
	if !strings.HasPrefix(got, "user ") || !strings.Contains(got, " error user ") || strings.Count(got, "reply") < 2 {
		t.Errorf("event types %q, want a user event before each turn's events and an error for /nope", got)
	}
}

// With Record the conversation is written as a test file after each step.
func TestRunRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chat_test.yaml")
	res, _ := run(t, chat.Options{Record: path}, "hi\nAnna\n")
	if res.Recording == nil || res.RecordErr != nil || res.Recording.Steps() != 2 {
		t.Fatalf("result %+v", res)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "user: Anna") {
		t.Errorf("the test file lacks the steps:\n%s", b)
	}
}

// Started gets the sandbox before the first line.
func TestRunStarted(t *testing.T) {
	var got *sandbox.Sandbox
	run(t, chat.Options{Started: func(sb *sandbox.Sandbox) { got = sb }}, "hi\n")
	if got == nil || got.Session().State != "ask_name" {
		t.Errorf("Started was not given the chat's sandbox")
	}
}

// A /close is recorded as docs/testing.md writes it, `close: true`, not
// as the quoted text "true".
func TestRunRecordsClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chat_test.yaml")
	run(t, chat.Options{Record: path}, "hi\n/close\n")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "- close: true\n") {
		t.Errorf("the test file lacks \"close: true\":\n%s", b)
	}
}

// A line over chat.MaxLine is cut, and the chat says so (text and JSON):
// the customer's words are not dropped without a word.
func TestRunLongLineSaysItIsCut(t *testing.T) {
	long := strings.Repeat("a", chat.MaxLine+10)
	want := "the line was longer than 64 KiB: only its first 64 KiB were read, the rest is dropped"
	for _, o := range []chat.Options{{}, {JSON: true}} {
		_, out := run(t, o, "hi\n"+long+"\n")
		if !strings.Contains(out, want) {
			t.Errorf("json %v: no %q in the output", o.JSON, want)
		}
		if _, out := run(t, o, "hi\n"+long[:chat.MaxLine]+"\n"); strings.Contains(out, "longer than") {
			t.Errorf("json %v: a line of exactly 64 KiB is said to be cut", o.JSON)
		}
	}
}

// afterFlow reminds the customer after 5 minutes without an answer.
const afterFlow = `flow: after
languages: [en]
start: ask
vars:
  name: ""
timeouts:
  - after: 5m
    say: Still there?
states:
  ask:
    say: Your name?
    ask: {save_as: name}
    next: bye
  bye:
    say: "Bye {{ name }}"
    end: done
`

// A chat recorded on the real clock writes the time that passed before
// each step (after:), so 'baton test' runs the file as the chat ran: the
// reminder that fired while the customer took 6 minutes to answer fires
// in the test too, and the file passes.
func TestRunRecordsTheTimeBetweenSteps(t *testing.T) {
	dir := t.TempDir()
	flow, rec := filepath.Join(dir, "flow.yaml"), filepath.Join(dir, "rec.yaml")
	if err := os.WriteFile(flow, []byte(afterFlow), 0o644); err != nil {
		t.Fatal(err)
	}
	f, diags := dsl.LoadFile(flow)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	t0 := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)
	n := 0
	clock := func() time.Time { n++; return t0.Add(time.Duration(n)*6*time.Minute + 300*time.Millisecond) }
	var out bytes.Buffer
	res, err := chat.Run(context.Background(), chat.Options{Path: flow, Record: rec, Now: clock,
		Config: sandbox.Config{Flow: f, Lang: "en", Now: t0, IDPrefix: "test"},
		Stdin:  strings.NewReader("hi\nAnn\n"), Stdout: &out, Stderr: &out})
	if err != nil || res.RecordErr != nil {
		t.Fatal(err, res.RecordErr)
	}
	if !strings.Contains(out.String(), "Still there?") {
		t.Fatalf("the reminder did not fire in the chat:\n%s", out.String())
	}
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"now: \"2026-03-03T10:36:00Z\"", "      - user: Ann\n        after: 6m\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the test file lacks %q:\n%s", want, b)
		}
	}
	var report bytes.Buffer
	if r := convtest.NewRunner(convtest.Options{Out: &report}).Run(context.Background(), []string{rec}); !r.OK() {
		t.Errorf("baton test of the recording:\n%s\nthe file:\n%s", report.String(), b)
	}
}

// TestRunTooManyArguments: a command given more arguments than it takes
// says its usage instead of acting on part of the line.
func TestRunTooManyArguments(t *testing.T) {
	for _, c := range []struct {
		lines, usage string
		absent       string // what the command would have done
		present      string // what follows, the command not acting
	}{
		{lines: "/state NAME extra", usage: `/state takes no argument, not "NAME extra"; usage: /state`, absent: "no-match 0"},
		{lines: "/vars name", usage: `/vars takes no argument, not "name"; usage: /vars`, absent: "name = null"},
		{lines: "/help me", usage: `/help takes no argument, not "me"; usage: /help`, absent: "this list"},
		{lines: "/handoff last", usage: `/handoff takes no argument, not "last"; usage: /handoff`, absent: "no handoff yet"},
		{lines: "/close now", usage: `/close takes no argument, not "now"; usage: /close`, absent: "conversation ended"},
		{lines: "/reset all", usage: `/reset takes no argument, not "all"; usage: /reset`, absent: "new conversation"},
		{lines: "/quit now\n/state", usage: `/quit takes no argument, not "now"; usage: /quit`, present: "no-match 0"},
		{lines: "/exit now\n/state", usage: `/exit takes no argument, not "now"; usage: /quit`, present: "no-match 0"},
		{lines: "/wait 10m more\n/state", usage: `/wait takes one argument, not "10m more"; usage: /wait DURATION`, present: "clock 2026-03-03 10:30:00"},
		{lines: "/ticket solved now", usage: `/ticket takes one argument, not "solved now"; usage: /ticket STATUS`, absent: "ticket is solved"},
		{lines: "/button yes please", usage: `/button takes one argument, not "yes please"; usage: /button ID`, absent: "no menu"},
	} {
		_, out := run(t, chat.Options{}, "hi\n"+c.lines+"\n")
		if !strings.Contains(out, c.usage) {
			t.Errorf("%q: no %q in:\n%s", c.lines, c.usage, out)
		}
		if c.absent != "" && strings.Contains(out, c.absent) {
			t.Errorf("%q: the command acted (%q):\n%s", c.lines, c.absent, out)
		}
		if !strings.Contains(out, c.present) {
			t.Errorf("%q: the chat did not go on (%q):\n%s", c.lines, c.present, out)
		}
	}
	// The agent's message is all of the line.
	_, out := run(t, chat.Options{}, "hi\n/agent Hi, I'm Marco\n")
	if strings.Contains(out, "usage: /agent") {
		t.Errorf("/agent with a message of many words says its usage:\n%s", out)
	}
}

// TestRunButtonIDWithSpaces: an id with spaces is one argument of /button
// when the menu shown has it.
func TestRunButtonIDWithSpaces(t *testing.T) {
	src := "flow: b\nlanguages: [en]\nstart: menu\nstates:\n  menu:\n    say: Pick\n    menu:\n      options:\n" +
		"        - {id: yes please, label: Yes, goto: done}\n  done:\n    say: Done!\n    end: resolved\n"
	f, diags := dsl.Load("b.yaml", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	cfg := surveyConfig(t)
	cfg.Flow = f
	_, out := run(t, chat.Options{Config: cfg}, "hi\n/button yes please\n")
	if !strings.Contains(out, "Done!") || strings.Contains(out, "usage:") {
		t.Errorf("/button with the id %q did not tap it:\n%s", "yes please", out)
	}
}
