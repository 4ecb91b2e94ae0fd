package convtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/internal/golden"
)

// durationRE matches the run time printed after a passing conversation.
var durationRE = regexp.MustCompile(`, [0-9.]+(ns|µs|ms|s)\)`)

// TestRunReport: the report of a run (a passing conversation, a failing
// one with its diff, a test file with mistakes, the coverage) and its
// Result.
func TestRunReport(t *testing.T) {
	for _, c := range []struct {
		name   string
		opts   Options
		files  []string
		golden string
		passed int
		failed int
	}{
		{"all", Options{Coverage: true}, []string{"testdata/desk_test.yaml", "testdata/broken_test.yaml"}, "all.out", 2, 2},
		{"filter verbose", Options{Verbose: true, Filter: regexp.MustCompile("^order")}, []string{"testdata/desk_test.yaml"}, "verbose.out", 1, 0},
		{"not a test", Options{}, []string{"testdata/desk.yaml"}, "not_a_test.out", 0, 1},
		{"flow with errors", Options{}, []string{"testdata/broken/test.yaml"}, "broken_flow.out", 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			c.opts.Out = &out
			res := NewRunner(c.opts).Run(context.Background(), c.files)
			golden.Check(t, filepath.Join("testdata", c.golden), durationRE.ReplaceAllString(out.String(), ", TIME)"))
			if res.Passed != c.passed || res.Failed != c.failed || res.OK() != (c.failed == 0) || res.Interrupted {
				t.Errorf("result %+v, want %d passed, %d failed", res, c.passed, c.failed)
			}
		})
	}
}

// TestRunReadsAndInterrupts: Result.Read names the flow a run loaded, and
// a run whose context is done stops before the first file.
func TestRunReadsAndInterrupts(t *testing.T) {
	var out bytes.Buffer
	res := NewRunner(Options{Out: &out}).Run(context.Background(), []string{"testdata/desk_test.yaml"})
	if !slices.Contains(res.Read, filepath.Join("testdata", "desk.yaml")) {
		t.Errorf("the run read %q, not the flow", res.Read)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out.Reset()
	res = NewRunner(Options{Out: &out}).Run(ctx, []string{"testdata/desk_test.yaml"})
	if !res.Interrupted || res.OK() || out.String() != "interrupted\n0 passed, 0 failed\n" {
		t.Errorf("an interrupted run: %+v\n%s", res, out.String())
	}
}

// TestRunScopesEvents: each conversation gets a recorder scoped apart,
// across the runs of one Runner too (every test conversation is test-1).
func TestRunScopesEvents(t *testing.T) {
	var scopes []string
	var events []flows.Event
	r := NewRunner(Options{Out: &bytes.Buffer{}, Filter: regexp.MustCompile("person"), Recorder: func(scope string) *analytics.Recorder {
		scopes = append(scopes, scope)
		return analytics.NewRecorder(sinkFunc(func(evs ...flows.Event) { events = append(events, evs...) }))
	}})
	for range 2 {
		r.Run(context.Background(), []string{"testdata/desk_test.yaml"})
	}
	if !slices.Equal(scopes, []string{"t1.", "t2."}) {
		t.Errorf("scopes %q, want t1. and t2.", scopes)
	}
	if len(events) == 0 {
		t.Fatal("no events recorded")
	}
}

type sinkFunc func(...flows.Event)

func (f sinkFunc) Write(_ context.Context, evs ...flows.Event) error { f(evs...); return nil }
func (f sinkFunc) Close() error                                      { return nil }

// TestFiles: a directory gives its test files, sorted, and skips the
// flow next to them; a missing path is an error worded as the command
// line's.
func TestFiles(t *testing.T) {
	files, skipped, err := Files([]string{"testdata"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join("testdata", "broken", "test.yaml"), filepath.Join("testdata", "broken_include", "test.yaml"), filepath.Join("testdata", "broken_test.yaml"), filepath.Join("testdata", "desk_test.yaml")}
	skips := []string{filepath.Join("testdata", "broken", "flow.yaml"), filepath.Join("testdata", "broken_include", "common", "human.yaml"), filepath.Join("testdata", "broken_include", "flow.yaml"), filepath.Join("testdata", "desk.yaml")}
	if !slices.Equal(files, want) || !slices.Equal(skipped, skips) {
		t.Errorf("files %q, skipped %q", files, skipped)
	}
	if _, _, err := Files([]string{"testdata/nope"}); err == nil || !strings.HasSuffix(err.Error(), "testdata/nope: no such file or directory") {
		t.Errorf("a missing path: %v", err)
	}
	// A file given twice, or also by its directory ("baton test tests
	// tests/new.yaml"), runs once: its results are not counted twice.
	files, _, err = Files([]string{"testdata/desk_test.yaml", "testdata", "./testdata/desk_test.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{filepath.Join("testdata", "desk_test.yaml"), filepath.Join("testdata", "broken", "test.yaml"), filepath.Join("testdata", "broken_include", "test.yaml"), filepath.Join("testdata", "broken_test.yaml")}
	if !slices.Equal(files, want) {
		t.Errorf("a file given twice: files %q, want %q", files, want)
	}
}

// TestRunReadsTheFilesOfAFlowWithErrors: a flow that does not load still
// names the files with its errors in Result.Read, so baton test --watch
// runs the tests again when the included file with the error is fixed.
func TestRunReadsTheFilesOfAFlowWithErrors(t *testing.T) {
	var out bytes.Buffer
	res := NewRunner(Options{Out: &out}).Run(context.Background(), []string{"testdata/broken_include/test.yaml"})
	if res.Failed != 1 {
		t.Fatalf("the flow with errors did not fail its test:\n%s", out.String())
	}
	want := filepath.Join("testdata", "broken_include", "common", "human.yaml")
	if !slices.Contains(res.Read, want) {
		t.Errorf("the run read %q, not %s (where the error is)", res.Read, want)
	}
}

// TestRunChecksVarTypes: a test's vars: must have the type the flow
// declares, or the flow's expressions fail on them at run time; the
// error points at the test's line.
func TestRunChecksVarTypes(t *testing.T) {
	dir := t.TempDir()
	desk, err := filepath.Abs("testdata/desk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	test := filepath.Join(dir, "t.yaml")
	src := "flow: " + desk + "\nvars: {order_id: 12345}\nconversations:\n  - steps:\n      - user: hi\n"
	if err := os.WriteFile(test, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res := NewRunner(Options{Out: &out}).Run(context.Background(), []string{test})
	want := test + `:2:8: vars: "order_id" is declared as a text (""), not a number: write it as the flow declares it`
	if res.Failed != 1 || !strings.Contains(out.String(), want) {
		t.Errorf("got:\n%s\nwant the line %s", out.String(), want)
	}
}

// TestParseNoConversations: a test file whose conversations: list is
// empty tests nothing; it is an error of the file, as a conversation
// without steps is, not a file that passes with "0 passed, 0 failed".
func TestParseNoConversations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty_test.yaml")
	if err := os.WriteFile(path, []byte("flow: ../flow.yaml\nconversations: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs := Parse(path)
	want := path + ":2:16: conversations is empty: add a conversation (name: and steps:) or remove the file"
	if !slices.Contains(errs, want) {
		t.Errorf("errors %q, want %q", errs, want)
	}
}

// TestCoverageRuleEnds: an option, route, trigger or timeout that ends the
// conversation itself is a transition coverage counts: taken when a
// conversation ended by it, listed as never taken otherwise.
func TestCoverageRuleEnds(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{"flow.yaml": endsFlow, "test.yaml": endsTest} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	res := NewRunner(Options{Out: &out, Coverage: true}).Run(context.Background(), []string{filepath.Join(dir, "test.yaml")})
	if !res.OK() {
		t.Fatalf("the conversations fail:\n%s", out.String())
	}
	got := out.String()
	for _, want := range []string{"  transitions: 4 of 7 taken; never taken:\n", "    any state → end (timeout \"after 10m\") at " + filepath.Join(dir, "flow.yaml") + ":13:5\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("coverage lacks %q:\n%s", want, got)
		}
	}
	for _, taken := range []string{`(menu "1. X")`, `(route "stop")`, `(trigger "bye")`} {
		if strings.Contains(got, taken) {
			t.Errorf("coverage lists %s as never taken:\n%s", taken, got)
		}
	}
}

// endsFlow has rules that end the conversation themselves; endsTest takes
// all of them but the timeout.
const endsFlow = `# Rules that end the conversation themselves, for coverage.
flow: ends
languages: [en]
start: a
triggers:
  - name: human
    keywords: [agent]
    handoff: {team: support}
  - name: bye
    keywords: [bye]
    end: customer_left
timeouts:
  - after: 10m
    end: no_reply
states:
  a:
    say: hi
    menu:
      options:
        - {id: x, label: X, end: true}
        - {id: y, label: Y, goto: b}
  b:
    say: there
    routes:
      - keywords: [stop]
        end: stopped
      - keywords: [go]
        goto: a
`

const endsTest = `flow: flow.yaml
lang: en
now: 2026-03-03T10:30:00+01:00

conversations:
  - name: the option ends
    steps:
      - user: hi
      - button: x
        ended: true
  - name: the route ends
    steps:
      - user: hi
      - button: y
      - user: stop
        ended: true
  - name: the trigger ends
    steps:
      - user: hi
      - user: bye
        ended: true
`

// TestRunButtonNotInTheMenu: a button: whose id is no option of the menu
// shown fails its step with the ids offered, as /button in the chat does,
// instead of going to the flow as if the customer had typed it.
func TestRunButtonNotInTheMenu(t *testing.T) {
	dir := t.TempDir()
	desk, err := filepath.Abs("testdata/desk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	test := filepath.Join(dir, "t.yaml")
	src := "flow: " + desk + "\nlang: en\nconversations:\n" +
		"  - name: a typo\n    steps:\n      - user: hi\n      - button: ordr\n" +
		"  - name: no menu\n    steps:\n      - button: order\n"
	if err := os.WriteFile(test, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res := NewRunner(Options{Out: &out}).Run(context.Background(), []string{test})
	for _, want := range []string{
		"  step 2 of 2, button: \"ordr\" (" + test + ":7:9)\n    button: \"ordr\" is not a button of the menu shown; did you mean \"order\"? (its ids: order, faq, agent)\n",
		"  step 1 of 1, button: \"order\" (" + test + ":10:9)\n    button: no menu has been shown in this conversation",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
	if res.Failed != 2 {
		t.Errorf("%d failed, want both conversations:\n%s", res.Failed, out.String())
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

// TestRunAfter: a step's after: lets that much time pass before it, the
// timeouts due by then firing first in the same step (what 'baton chat
// --record' writes of a chat on the real clock); 'baton replay' reads it
// as the time the input came.
func TestRunAfter(t *testing.T) {
	dir := t.TempDir()
	test := filepath.Join(dir, "t.yaml")
	src := "flow: flow.yaml\nlang: en\nnow: 2026-03-03T10:30:00Z\nconversations:\n" +
		"  - name: late\n    steps:\n      - user: hi\n      - user: Ann\n        after: 6m\n        bot: [\"Still there?\", Bye Ann]\n" +
		"  - name: in time\n    steps:\n      - user: hi\n      - user: Ann\n        after: 4m59s\n        bot: Bye Ann\n"
	for name, s := range map[string]string{"flow.yaml": afterFlow, "t.yaml": src} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if res := NewRunner(Options{Out: &out}).Run(context.Background(), []string{test}); !res.OK() || res.Passed != 2 {
		t.Fatalf("%+v:\n%s", res, out.String())
	}
	file, errs := Parse(test)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	in := file.Replay(false, "en")[0].Inputs
	if want := time.Date(2026, 3, 3, 10, 36, 0, 0, time.UTC); len(in) != 2 || !in[1].At.Equal(want) {
		t.Errorf("the replay's inputs %+v, want the second at %s", in, want)
	}
	// A negative or zero after: is a mistake of the file.
	if err := os.WriteFile(test, []byte(strings.Replace(src, "after: 6m", "after: -1m", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs := Parse(test); len(errs) != 1 || !strings.Contains(errs[0], `after: "-1m" is not a duration`) {
		t.Errorf("errors %q", errs)
	}
}

// TestRunVarsCheckNamesAVariableTheFlowHasNot: a vars: check of a name
// the flow has no variable for (a typo) used to read "expected ..., but
// it is not set", as if the flow had yet to set it; it says the flow has
// no such variable, and the one meant.
func TestRunVarsCheckNamesAVariableTheFlowHasNot(t *testing.T) {
	flow, err := filepath.Abs("../examples/flows/survey.yaml")
	if err != nil {
		t.Fatal(err)
	}
	test := filepath.Join(t.TempDir(), "t.yaml")
	src := "flow: " + flow + "\nlang: en\nconversations:\n  - name: typo\n    steps:\n      - user: hi\n      - user: Anna\n        vars: {nmae: Anna}\n"
	if err := os.WriteFile(test, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res := NewRunner(Options{Out: &out}).Run(context.Background(), []string{test})
	want := `vars: nmae: the flow has no variable "nmae"; did you mean "name"?`
	if res.Failed != 1 || !strings.Contains(out.String(), want) {
		t.Errorf("got:\n%s\nwant the line %s", out.String(), want)
	}
}

// TestRunFailurePointsAtTheCheck: each failing check is reported at the
// position of its key in the step (path:line:col, where editors jump),
// the step's line still pointing at its input.
func TestRunFailurePointsAtTheCheck(t *testing.T) {
	desk, err := filepath.Abs("testdata/desk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ key, value, msg string }{
		{"bot", `"Bye"`, `bot: expected reply "Bye", not found`},
		{"options", "[Nope]", "options: the last menu shown differs"},
		{"state", "faq", `state: expected "faq", the conversation is in "welcome"`},
		{"vars", `{order_id: A1}`, `vars: order_id: expected "A1", got ""`},
		{"no_match", "2", "no_match: expected 2 consecutive no-matches"},
		{"handoff", "{team: support}", "handoff: expected a handoff in this step, there was none"},
		{"http", "[{url: 'https://x.example'}]", "http: expected a request"},
		{"events", "[{type: nope}]", "events: expected {\"type\":\"nope\"}"},
		{"lifecycle", "closed", "lifecycle: expected closed, it is bot"},
		{"ended", "true", "ended: expected the conversation to have ended"},
		{"route", "{team: billing}", "route: expected a routed handoff in this step, there was none"},
		{"requests", "[{connector: zendesk}]", "requests: expected "},
	}
	src := "flow: " + desk + "\nlang: en\nconversations:\n"
	line := 4
	var wants []string
	for _, c := range checks {
		src += "  - name: " + c.key + "\n    steps:\n      - user: hi\n        " + c.key + ": " + c.value + "\n"
		col := 9 // at the check's key; vars: at the variable's entry
		if c.key == "vars" {
			col = 16
		}
		wants = append(wants, fmt.Sprintf("  step 1 of 1, user: \"hi\" (TEST:%d:9)\n    TEST:%d:%d: %s", line+2, line+3, col, c.msg))
		line += 4
	}
	// Two failing checks of one step, each at its own key.
	src += "  - name: two\n    steps:\n      - user: hi\n        state: faq\n        bot: Bye\n"
	wants = append(wants, fmt.Sprintf("    TEST:%d:9: state: expected \"faq\"", line+3), fmt.Sprintf("\n    TEST:%d:9: bot: expected reply \"Bye\"", line+4))

	test := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(test, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res := NewRunner(Options{Out: &out}).Run(context.Background(), []string{test})
	for _, want := range wants {
		if want = strings.ReplaceAll(want, "TEST", test); !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
	if res.Failed != len(checks)+1 {
		t.Errorf("%d failed, want %d:\n%s", res.Failed, len(checks)+1, out.String())
	}
}

// TestRunStateInASubflow: events and the chat name a sub-flow's state
// "contact/ask_mail", while a test's state: names the running flow's own
// ("ask_mail"); a check that copied the chat's name is told which to write.
func TestRunStateInASubflow(t *testing.T) {
	dir := t.TempDir()
	flow := subflowShop
	test := `flow: shop.yaml
lang: en
conversations:
  - name: qualified
    steps:
      - user: hi
        state: contact/ask_mail
  - name: other
    steps:
      - user: hi
        state: contact/done
  - name: typo
    steps:
      - user: hi
        state: ask_mial
  - name: typo at the root
    steps:
      - user: hi
      - user: a@b.example
        state: by
`
	if err := os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(flow), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "shop_test.yaml")
	if err := os.WriteFile(path, []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res := NewRunner(Options{Out: &out}).Run(context.Background(), []string{path})
	for _, want := range []string{
		`:7:9: state: expected "contact/ask_mail", the conversation is in "ask_mail" of the sub-flow "contact" (a test's state: names the running flow's own state: write it without "contact/")` + "\n",
		`:11:9: state: expected "contact/done", the conversation is in "ask_mail" of the sub-flow "contact" (a test's state: names the running flow's own state: write it without "contact/")` + "\n",
		`:15:9: state: expected "ask_mial", the conversation is in "ask_mail" of the sub-flow "contact"; the flow has no state "ask_mial": did you mean "ask_mail"?` + "\n",
		`:20:9: state: expected "by", the conversation is in "bye"; the flow has no state "by": did you mean "bye"?` + "\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
	if res.Failed != 4 {
		t.Errorf("%d failed, want 4:\n%s", res.Failed, out.String())
	}
}

// subflowShop is a flow whose start calls a named sub-flow.
const subflowShop = `flow: shop
languages: [en]
start: get_contact
vars: {email: "", pizza: diavola}
subflows:
  contact:
    vars: {mail: ""}
    start: ask_mail
    states:
      ask_mail:
        say: "Your email?"
        ask: {save_as: mail}
        next: done
      done:
        end: true
states:
  get_contact:
    call: {subflow: contact, save: {email: mail}}
    next: bye
  bye:
    say: "Thanks"
    end: true
`

// TestRunVarsInASubflow: in a sub-flow a test's vars: sees the sub-flow's
// variables (docs/testing.md); a variable of the calling flow read as its
// declared value ("got \"\"") whatever the caller had set, and now
// fails saying it is the calling flow's.
func TestRunVarsInASubflow(t *testing.T) {
	dir := t.TempDir()
	test := `flow: shop.yaml
lang: en
conversations:
  - name: caller's
    steps:
      - user: hi
        vars: {pizza: diavola}
  - name: own
    steps:
      - user: hi
        vars: {mail: ""}
      - user: a@b.example
        vars: {email: a@b.example, pizza: diavola}
`
	if err := os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(subflowShop), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "shop_test.yaml")
	if err := os.WriteFile(path, []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res := NewRunner(Options{Out: &out}).Run(context.Background(), []string{path})
	want := `:7:16: vars: pizza: the sub-flow "contact" the conversation is in has no variable "pizza" (a test's vars: sees the running flow's own; pizza is the calling flow's)`
	if !strings.Contains(out.String(), want) || res.Failed != 1 || res.Passed != 1 {
		t.Errorf("%d passed, %d failed; want 1 and 1, and the line %s:\n%s", res.Passed, res.Failed, want, out.String())
	}
}
