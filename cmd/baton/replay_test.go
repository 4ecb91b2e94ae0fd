package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/batonbot/baton/internal/golden"
)

// recordEvents runs the conversations of testdata/tests/shop_pass.yaml
// with `baton test --events --events-text` and returns the events file:
// four conversations recorded as a host records them.
func recordEvents(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.jsonl")
	code, stdout, stderr := runCLI(t, "", "test", "--events", path, "--events-text", "testdata/tests/shop_pass.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	return path
}

// replayOutput hides what changes from run to run in a report: the
// events file's temporary directory and the time taken.
func replayOutput(s, events string) string {
	s = strings.ReplaceAll(s, events, "EVENTS")
	s = regexp.MustCompile(`\([0-9,]+ ms\)`).ReplaceAllString(s, "(T ms)")
	return regexp.MustCompile(`"took_ms": \d+`).ReplaceAllString(s, `"took_ms": 0`)
}

// The recorded conversations, from events and from a test file, on the
// flow they were recorded on and on its version 2 (testdata/replay).
func TestReplayCommand(t *testing.T) {
	events := recordEvents(t)
	const (
		v1    = "testdata/flows/shop.yaml"
		v2    = "testdata/replay/shop_v2.yaml"
		tests = "testdata/tests/shop_pass.yaml"
	)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		golden string
		want   string // the last line
	}{
		{"the same flow, against what was recorded", []string{"--flow", v1, events, tests}, exitOK, "", "0 of 8 conversations change."},
		{"the same flow as the baseline", []string{"--flow", v1, "--baseline", v1, events, tests, "--max-changed", "0"}, exitOK, "", "0 of 8 conversations change."},
		{"version 2, against the baseline", []string{"--flow", v2, "--baseline", v1, tests, events}, exitOK, "replay/v2_baseline.txt", ""},
		{"version 2, against what was recorded", []string{"--flow", v2, events, tests, "--max-changed", "75%"}, exitOK, "replay/v2_recorded.txt", ""},
		{"version 2 crosses --max-changed", []string{"--flow", v2, "--baseline", v1, events, "--max-changed", "1%"}, exitFailed, "", "2 of 4 conversations hand off to another team; 1 hands off for another reason; 1 reaches a state that no longer exists; 1 reaches different states; 2 get a different reply; 1 has new no-matches."},
		{"version 2 crosses a count", []string{"--flow", v2, "--baseline", v1, events, "--max-changed", "3"}, exitOK, "", ""},
		{"version 2 crosses --max-routing", []string{"--flow", v2, "--baseline", v1, events, "--max-changed", "3", "--max-routing", "1"}, exitFailed, "", ""},
		{"another flow's tests are skipped", []string{"--flow", v1, tests, "testdata/tests/templates.yaml"}, exitOK, "", "0 of 4 conversations change."},
		{"version 2 as JSON", []string{"--flow", v2, "--baseline", v1, events, "--json"}, exitOK, "replay/v2_baseline.json", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", append([]string{"replay"}, tc.args...)...)
			wantCode(t, code, tc.code, stdout, stderr)
			if stderr != "" {
				t.Errorf("stderr:\n%s", stderr)
			}
			out := replayOutput(stdout, events)
			if tc.golden != "" {
				golden.Check(t, filepath.Join("testdata", tc.golden), out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if tc.want != "" && lines[len(lines)-1] != tc.want {
				t.Errorf("last line %q, want %q", lines[len(lines)-1], tc.want)
			}
		})
	}
}

// An input given twice (the same file, ./ or not, or a test file also by
// its directory) is replayed once, as baton test runs it once: each of its
// conversations is counted once, an events file's are not doubled.
func TestReplayInputGivenTwice(t *testing.T) {
	events := recordEvents(t)
	const (
		v1    = "testdata/flows/shop.yaml"
		tests = "testdata/tests/shop_pass.yaml"
	)
	last := func(args ...string) string {
		t.Helper()
		code, stdout, stderr := runCLI(t, "", append([]string{"replay", "--flow", v1}, args...)...)
		if code != exitOK && code != exitFailed {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		return lines[len(lines)-1]
	}
	if got, want := last(events, tests, events, "./"+tests, filepath.Join(filepath.Dir(events), ".", filepath.Base(events))), "0 of 8 conversations change."; got != want {
		t.Errorf("events and a test file given twice: %q, want %q", got, want)
	}
	dir := t.TempDir()
	b, err := os.ReadFile(tests)
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(v1)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "flow: ../flows/shop.yaml", "flow: "+abs, 1))
	if err := os.WriteFile(filepath.Join(dir, "shop_test.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := last(filepath.Join(dir, "shop_test.yaml"), dir), "0 of 4 conversations change."; got != want {
		t.Errorf("a test file also given by its directory: %q, want %q", got, want)
	}
}

// - reads the events from standard input, as baton report does.
func TestReplayStdin(t *testing.T) {
	b, err := os.ReadFile(recordEvents(t))
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, string(b), "replay", "--flow", "testdata/flows/shop.yaml", "-")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.HasSuffix(stdout, "\n0 of 4 conversations change.\n") || !strings.Contains(stdout, "of stdin on") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

func TestReplayJSONAndHTML(t *testing.T) {
	events := recordEvents(t)
	page := filepath.Join(t.TempDir(), "report.html")
	code, stdout, stderr := runCLI(t, "", "replay", "--flow", "testdata/replay/shop_v2.yaml", "--baseline", "testdata/flows/shop.yaml", "--json", "--html", page, "--max-no-match", "0", events)
	wantCode(t, code, exitFailed, stdout, stderr)
	var rep struct {
		Replayed, Changed int
		Counts            map[string]int
		Summary           string
		Diffs             []struct{ Conversation string }
		Thresholds        []struct {
			Name    string
			Crossed bool
		}
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	var ids []string
	for _, d := range rep.Diffs {
		ids = append(ids, d.Conversation)
	}
	if rep.Replayed != 4 || rep.Changed != 3 || strings.Join(ids, " ") != "t1.test-1 t2.test-1 t3.test-1" || rep.Counts["no_match"] != 1 ||
		len(rep.Thresholds) != 1 || rep.Thresholds[0].Name != "max-no-match" || !rep.Thresholds[0].Crossed {
		t.Errorf("report: %+v", rep)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, want := range []string{rep.Summary, "<code>t3.test-1</code>", "voglio un operatore", "--max-no-match 0"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML report has no %q", want)
		}
	}
	for _, bad := range []string{"<script", "src=", "href=\"http"} {
		if strings.Contains(html, bad) {
			t.Errorf("the HTML report is not self-contained: %q", bad)
		}
	}
}

// The summary is one sentence, the same in both outputs: the human
// report's last line and the JSON report's summary, with its period.
func TestReplaySummaryBothOutputs(t *testing.T) {
	events := recordEvents(t)
	for _, flow := range []string{"testdata/flows/shop.yaml", "testdata/replay/shop_v2.yaml"} {
		args := []string{"replay", "--flow", flow, "--baseline", "testdata/flows/shop.yaml", events}
		code, text, stderr := runCLI(t, "", args...)
		wantCode(t, code, exitOK, text, stderr)
		code, js, stderr := runCLI(t, "", append(args, "--json")...)
		wantCode(t, code, exitOK, js, stderr)
		var rep struct{ Summary string }
		if err := json.Unmarshal([]byte(js), &rep); err != nil {
			t.Fatalf("%v:\n%s", err, js)
		}
		lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
		if last := lines[len(lines)-1]; rep.Summary != last || !strings.HasSuffix(last, ".") {
			t.Errorf("%s: the JSON summary %q, the human report's last line %q: want one sentence, the same", flow, rep.Summary, last)
		}
	}
}

func TestReplayRefuses(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"v\":1,\"type\":\"message_in\",\"at\":\"2026-03-03T10:00:00Z\"}\nnot json\n"), 0o644)
	unwritable := filepath.Join(dir, "no", "such", "dir", "report.html")
	events := recordEvents(t)
	notext := filepath.Join(dir, "notext.jsonl")
	if code, stdout, stderr := runCLI(t, "", "test", "--events", notext, "testdata/tests/shop_pass.yaml"); code != exitOK {
		t.Fatalf("baton test --events: %d\n%s%s", code, stdout, stderr)
	}
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no --flow", []string{events}, exitUsage, "--flow FILE is required"},
		{"nothing to replay", []string{"--flow", "testdata/flows/shop.yaml"}, exitUsage, "give the events files or test files to replay"},
		{"a bad threshold", []string{"--flow", "testdata/flows/shop.yaml", "--max-changed", "lots", events}, exitUsage, `--max-changed "lots": write a share like 1% or 0.5%, or a number of conversations like 10`},
		{"a flow with errors", []string{"--flow", "testdata/flows/broken.yaml", events}, exitFailed, "broken.yaml:"},
		// A flow given as an input (the new version beside the old, by
		// habit) is said to be one, not parsed as a test file key by key.
		{"a flow given as an input", []string{"--flow", "testdata/flows/shop.yaml", "testdata/flows/shop.yaml"}, exitFailed, "testdata/flows/shop.yaml: a flow, not a conversation test: replay reads events files and conversation tests; a flow goes in --flow (or --baseline)"},
		{"events that are not events", []string{"--flow", "testdata/flows/shop.yaml", bad}, exitFailed, "bad.jsonl:2: not an event"},
		{"a report it cannot write", []string{"--flow", "testdata/flows/shop.yaml", "--html", unwritable, events}, exitRuntime, "no such file or directory"},
		// The report's file is checked before anything is replayed: an
		// input read first would report its own problem, or a long replay
		// would run for nothing.
		{"a report it cannot write, checked first", []string{"--flow", "testdata/flows/shop.yaml", "--html", unwritable, bad}, exitRuntime, "--html " + unwritable + ": cannot write in"},
		{"a report that is a directory", []string{"--flow", "testdata/flows/shop.yaml", "--html", dir, bad}, exitRuntime, "--html " + dir + " is a directory"},
		// A CI guard that replayed nothing guards nothing: its thresholds
		// must not pass on "0 of 0".
		{"only another flow's conversations", []string{"--flow", "testdata/flows/shop.yaml", "--max-changed", "0", "testdata/tests/templates.yaml"}, exitFailed, "nothing was replayed: the 1 conversation read was skipped"},
		{"only events without texts", []string{"--flow", "testdata/flows/shop.yaml", "--max-changed", "0", notext}, exitFailed, "nothing was replayed: the 4 conversations read were skipped"},
		{"no conversation at all", []string{"--flow", "testdata/flows/shop.yaml", empty}, exitFailed, "nothing was replayed: no conversation was read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", append([]string{"replay"}, tc.args...)...)
			wantCode(t, code, tc.code, stdout, stderr)
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, stderr)
			}
			if strings.Contains(stderr, "in the test file; expected one of") {
				t.Errorf("an input read as a test file key by key:\n%s", stderr)
			}
		})
	}
}

// A handoff the deployment declined (after hours, the customer told
// instead) ended its conversation, and the next message got the bot
// again: replayed on the same flow, the decline is replayed too, and
// nothing changes.
func TestReplayDeclinedHandoffs(t *testing.T) {
	replayUnchanged(t, "../../examples/tests/helpdesk_after_hours.yaml", "../../examples/flows/support.yaml")
}

// TestReplayMedia: the customers' photos, documents and stickers are
// replayed as what they were (the events say which media, and with texts
// a document's name), so an unchanged flow that answers each kind its
// own way changes nothing.
func TestReplayMedia(t *testing.T) {
	replayUnchanged(t, "../../examples/tests/damage.yaml", "../../examples/flows/damage.yaml")
}

// replayUnchanged records the events of the conversation tests (with
// texts), replays them on flow, the same flow, and wants no change.
func replayUnchanged(t *testing.T, tests, flow string) {
	t.Helper()
	events := filepath.Join(t.TempDir(), "events.jsonl")
	code, stdout, stderr := runCLI(t, "", "test", "--events", events, "--events-text", tests)
	wantCode(t, code, exitOK, stdout, stderr)
	code, stdout, stderr = runCLI(t, "", "replay", "--flow", flow, events)
	wantCode(t, code, exitOK, stdout, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if last := lines[len(lines)-1]; !regexp.MustCompile(`^0 of \d+ conversations change\.$`).MatchString(last) {
		t.Errorf("the same flow changes conversations:\n%s", stdout)
	}
}

// TestReplayExamplesUnchanged: `baton test --events` on every example
// test, replayed on each flow they run, changes nothing. The survey's
// sample draw hashes the conversation's id, which the events file scopes
// per test run (t1.test-1, t2.test-1...): the replay draws as the test
// run did.
func TestReplayExamplesUnchanged(t *testing.T) {
	const dir = "../../examples/tests"
	events := filepath.Join(t.TempDir(), "events.jsonl")
	code, stdout, stderr := runCLI(t, "", "test", "--events", events, "--events-text", dir)
	wantCode(t, code, exitOK, stdout, stderr)
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	flowsRun := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := regexp.MustCompile(`(?m)^flow: *(\S+)`).FindSubmatch(b); m != nil {
			flowsRun[filepath.Join(dir, string(m[1]))] = true
		}
	}
	if len(flowsRun) < 2 {
		t.Fatalf("the example tests run %d flows; want several", len(flowsRun))
	}
	for flow := range flowsRun {
		code, stdout, stderr := runCLI(t, "", "replay", "--flow", flow, events)
		wantCode(t, code, exitOK, stdout, stderr)
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if last := lines[len(lines)-1]; !regexp.MustCompile(`^0 of \d+ conversations change\.$`).MatchString(last) {
			t.Errorf("replayed on %s, the same flow, conversations change:\n%s", flow, stdout)
		}
	}
}

// --html naming one of the inputs (replay --flow F --html ev1.jsonl
// ev2.jsonl, a forgotten file name) is a usage error said before
// anything is read, the input left as it was; a page written before is
// replaced.
func TestReplayHTMLNeverOverwritesInputs(t *testing.T) {
	events := recordEvents(t)
	dir := t.TempDir()
	other := filepath.Join(dir, "events-20260301T000000.jsonl")
	data, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	test := filepath.Join(dir, "shop_pass.yaml")
	tdata, err := os.ReadFile("testdata/tests/shop_pass.yaml")
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "report.html")
	for _, f := range []struct{ path, body string }{{other, string(data)}, {test, strings.ReplaceAll(string(tdata), "../flows/", mustAbs(t, "testdata/flows")+"/")}, {page, "<!DOCTYPE html>\n<p>last week</p>\n"}} {
		if err := os.WriteFile(f.path, []byte(f.body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const flow = "testdata/flows/shop.yaml"
	for _, c := range []struct {
		args   []string
		code   int
		msg    string
		intact string // a file that must be as it was
	}{
		{[]string{"--flow", flow, "--html", events, other}, exitUsage, "--html " + events + " is not a report page", events},
		{[]string{"--flow", flow, "--html", other, events}, exitUsage, "--html " + other + " is not a report page (it starts with \"{\")", other},
		{[]string{"--flow", flow, "--html", events, events}, exitUsage, "--html " + events + " is not a report page", events},
		{[]string{"--flow", flow, "--html", test, test}, exitUsage, "--html " + test + " is not a report page", test},
		{[]string{"--flow", flow, "--html", page, events}, exitOK, "", events},
	} {
		before, _ := os.ReadFile(c.intact)
		code, _, errs := runCLI(t, "", append([]string{"replay"}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.msg)
		}
		if after, _ := os.ReadFile(c.intact); string(after) != string(before) {
			t.Errorf("%v: %s was changed", c.args, c.intact)
		}
	}
	if b, _ := os.ReadFile(page); strings.Contains(string(b), "last week") {
		t.Errorf("the page written before was not replaced by the new report")
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// An event dated years ahead (a mistyped year) is left out, warned of
// with its file and line, and its conversation skipped: replayed, its
// timeouts would all fire before that date. The other conversations
// replay as they were recorded.
func TestReplayLeavesOutEventsFromTheFuture(t *testing.T) {
	events := recordEvents(t)
	data, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	at, seen := 0, 0 // the index of t2's second event
	for i, l := range lines {
		if strings.Contains(l, `"conversation":"t2.test-1"`) {
			if seen++; seen == 2 {
				at = i
				break
			}
		}
	}
	if at <= 0 {
		t.Fatal("no second event of t2.test-1")
	}
	typo := regexp.MustCompile(`"at":"2026-`).ReplaceAllString(lines[at], `"at":"2062-`)
	for _, c := range []struct {
		name string
		body string
		line int
	}{
		{"an event mistyped", strings.Join(slices.Concat(lines[:at], []string{typo}, lines[at+1:]), ""), at + 1},
		{"an event added", strings.Join(slices.Concat(lines[:at], []string{typo}, lines[at:]), ""), at + 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "events.jsonl")
			if err := os.WriteFile(path, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, "", "replay", "--flow", "testdata/flows/shop.yaml", "--json", path, "--max-changed", "0")
			wantCode(t, code, exitOK, stdout, stderr)
			if want := fmt.Sprintf("baton replay: warning: %s:%d: ", path, c.line); !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "after now (") ||
				!strings.Contains(stderr, `its conversation is skipped; correct its "at" (a mistyped year?)`) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr does not start with %q:\n%s", want, stderr)
			}
			var rep struct {
				Replayed, Changed int
				Skipped           []struct{ Conversation, Reason string }
			}
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("%v:\n%s", err, stdout)
			}
			if rep.Replayed != 3 || rep.Changed != 0 || len(rep.Skipped) != 1 || rep.Skipped[0].Conversation != "t2.test-1" || !strings.Contains(rep.Skipped[0].Reason, "after the time of the replay") {
				t.Errorf("report: %+v", rep)
			}
		})
	}
}
