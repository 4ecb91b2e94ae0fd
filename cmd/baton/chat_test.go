package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonbot/baton/internal/golden"
)

// A scripted conversation through every kind of event: menu, ask, HTTP,
// no-match, trigger, handoff, agent, ticket, timers, end.
const chatScript = `hi
1
it is A12345
1
blah
/state
/vars
I want a human
/agent Hi, I'm Marco
/ticket solved
4
/reset
hello
/wait 10m
/wait 24h
/nonsense
`

func TestChatJSONGolden(t *testing.T) {
	code, stdout, stderr := runCLI(t, chatScript, "chat", "--json", "--now", "2026-03-03T10:30:00+01:00", "--var", "vip=true", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	types := map[string]bool{}
	for _, l := range lines {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", l, err)
		}
		typ, _ := ev["type"].(string)
		if typ == "" {
			t.Errorf("event without a type: %s", l)
		}
		types[typ] = true
	}
	for _, want := range []string{"reply", "state", "trigger", "no_match", "handoff", "end", "http", "lifecycle", "var", "error", "schedule", "session", "vars", "reset"} {
		if !types[want] {
			t.Errorf("no %q event in the stream", want)
		}
	}
	golden.Check(t, "testdata/chat/shop.jsonl", stdout)
}

func TestChatJSONHandoffPayload(t *testing.T) {
	_, stdout, _ := runCLI(t, "hi\nagent\n", "chat", "--json", "--now", "2026-03-03T10:30:00+01:00", "--user", "Bea", "testdata/flows/shop.yaml")
	var h map[string]any
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, `{"type":"handoff"`) {
			if err := json.Unmarshal([]byte(l), &h); err != nil {
				t.Fatal(err)
			}
		}
	}
	if h == nil {
		t.Fatalf("no handoff event:\n%s", stdout)
	}
	if h["reason"] != "asks_for_human" || h["team"] != "support" || h["priority"] != "normal" {
		t.Errorf("handoff reason/team/priority = %v/%v/%v", h["reason"], h["team"], h["priority"])
	}
	tr, _ := h["transcript"].([]any)
	if len(tr) < 3 {
		t.Errorf("the transcript should hold the greeting, the bot's reply and the request, got %v", h["transcript"])
	}
	if _, ok := h["vars"].(map[string]any); !ok {
		t.Errorf("the handoff carries no vars: %v", h)
	}
	if c, _ := h["contact"].(map[string]any); c["name"] != "Bea" {
		t.Errorf("contact = %v, want the --user name", h["contact"])
	}
}

func TestChatText(t *testing.T) {
	code, stdout, stderr := runCLI(t, "hi\nagent\n/agent Ciao\n/bogus\n", "chat", "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	for _, want := range []string{
		"bot: Hi Emma! How can I help?",
		"1. Order status  [order]",
		"(menu shown as buttons)",
		"state (start) → welcome",
		`trigger "asks_for_human" fired in welcome`,
		"HANDOFF to team support, priority normal\n",
		"      why:       Escalated: asks for human.\n",
		"agent: Ciao",
		"! unknown command /bogus",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the chat does not show %q:\n%s", want, stdout)
		}
	}
}

func TestChatNoCannedResponse(t *testing.T) {
	code, stdout, stderr := runCLI(t, "hi\n", "chat", "--json", "testdata/flows/nocanned.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	want := "no canned response for GET https://api.example.com/ping: nothing leaves the machine in the sandbox; add a `sandbox:` response to the http action at testdata/flows/nocanned.yaml:7:5"
	if !strings.Contains(stdout, want) {
		t.Errorf("no error telling where to add a sandbox response:\n%s", stdout)
	}
	if !strings.Contains(stdout, "The API is down.") {
		t.Errorf("the failed request should go on as ok: false:\n%s", stdout)
	}
}

func TestChatBrokenFlowExits1(t *testing.T) {
	code, stdout, stderr := runCLI(t, "hi\n", "chat", "--json", "testdata/flows/broken.yaml")
	wantCode(t, code, exitFailed, stdout, stderr)
	if !strings.Contains(stderr, "testdata/flows/broken.yaml:") || stdout != "" {
		t.Errorf("diagnostics should go to stderr only:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
}

func TestRecordThenTest(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "recorded.yaml")
	code, stdout, stderr := runCLI(t, chatScript, "chat", "--json", "--record", rec, "--now", "2026-03-03T10:30:00+01:00", "--lang", "it", "--var", "vip=true", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	abs, _ := filepath.Abs("testdata/flows/shop.yaml")
	rel, _ := filepath.Rel(dir, abs)
	for _, want := range []string{
		"flow: " + filepath.ToSlash(rel),
		"lang: it",
		"now: \"2026-03-03T10:30:00+01:00\"",
		"vars: {vip: true}",
		"- user: \"1\"",
		"bot: Ciao Anna! Come posso aiutarti?",
		"options: [Stato ordine, Domande frequenti, Operatore]",
		"handoff: {reason: asks_for_human, team: support, priority: high, tags: [sandbox, it]}",
		"- agent: Hi, I'm Marco",
		"- ticket: solved",
		"- wait: 10m",
		"name: conversation 2",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the recorded file lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "nonsense") || strings.Contains(got, "/state") {
		t.Errorf("commands that are not steps were recorded:\n%s", got)
	}
	code, stdout, stderr = runCLI(t, "", "test", rec)
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.HasSuffix(stdout, "2 passed, 0 failed\n") {
		t.Errorf("the recorded file does not pass:\n%s", stdout)
	}
}

func TestRecordNothing(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "empty.yaml")
	code, stdout, stderr := runCLI(t, "/state\n/reset\n", "chat", "--json", "--record", rec, "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stderr, "nothing to record") {
		t.Errorf("stderr does not say nothing was recorded:\n%s", stderr)
	}
	if _, err := os.Stat(rec); err == nil {
		t.Errorf("%s was written for a conversation without steps", rec)
	}
}

// TestChatLongLine: a line over the reader's limit is cut, not the end of
// the chat: the next line is still read and answered.
func TestChatLongLine(t *testing.T) {
	long := "hi " + strings.Repeat("è", 1<<20) // 2 MiB of text on one line
	code, stdout, stderr := runCLI(t, long+"\nagent\n/handoff\n", "chat", "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, "HANDOFF to team support") {
		t.Errorf("the line after the long one was not handled:\n%.2000s", stdout)
	}
	if !strings.Contains(stdout, "bytes cut]") {
		t.Errorf("the transcript does not mark the cut:\n%.2000s", stdout)
	}
}

// A conversation recorded with a deployment config names it, so its
// routed handoffs (team, priority, the customer told where they are) pass.
func TestRecordWithConfigThenTest(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "recorded.yaml")
	code, stdout, stderr := runCLI(t, "ciao\nvorrei un rimborso\n", "chat", "--json", "--record", rec, "--config", "../../examples/tests/configs/helpdesk.yaml",
		"--now", "2026-03-03T10:30:00+01:00", "../../examples/flows/support.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("../../examples/tests/configs/helpdesk.yaml")
	rel, _ := filepath.Rel(dir, abs)
	if !strings.Contains(string(b), "config: "+filepath.ToSlash(rel)+"\n") || !strings.Contains(string(b), "team: billing") {
		t.Fatalf("the recorded file does not name the config or lacks the routed team:\n%s", b)
	}
	code, stdout, stderr = runCLI(t, "", "test", rec)
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.HasSuffix(stdout, "1 passed, 0 failed\n") {
		t.Errorf("the recorded file does not pass:\n%s", stdout)
	}
}

// A conversation recorded with 'chat --record' runs in 'baton test' and
// 'baton replay' as it ran in the chat, and so do the chat's --events:
// the survey's sample draw (support.yaml's NPS, a quarter of the
// customers) hashes the conversation's id and start, so each conversation
// runs as test-1, as a test file's do, from the time it started in the
// chat (after a /wait in the one before), on the chat's clock or on
// --now. Six conversations draw differently enough that a wrong id or
// start changes some of them.
func TestRecordReplaysUnchanged(t *testing.T) {
	const flow = "../../examples/flows/support.yaml"
	var script strings.Builder
	for i := range 6 {
		script.WriteString("ciao\n2\nPAGAMENTI\nGRAZIE\n")
		if i == 2 {
			script.WriteString("/wait 7m\n")
		}
		script.WriteString("/reset\n")
	}
	for _, clock := range [][]string{{"--now", "2026-03-03T10:30:00+01:00"}, nil} {
		dir := t.TempDir()
		rec, events := filepath.Join(dir, "recorded.yaml"), filepath.Join(dir, "events.jsonl")
		args := append([]string{"chat", "--json", "--lang", "it", "--channel", "whatsapp", "--record", rec, "--events", events, "--events-text"}, clock...)
		code, stdout, stderr := runCLI(t, script.String(), append(args, flow)...)
		wantCode(t, code, exitOK, stdout, stderr)
		code, stdout, stderr = runCLI(t, "", "test", rec)
		wantCode(t, code, exitOK, stdout, stderr)
		if !strings.HasSuffix(stdout, "6 passed, 0 failed\n") {
			t.Errorf("%v: the recorded file does not pass:\n%s", clock, stdout)
		}
		for _, in := range []string{rec, events} {
			code, stdout, stderr = runCLI(t, "", "replay", "--flow", flow, in)
			wantCode(t, code, exitOK, stdout, stderr)
			if !strings.HasSuffix(stdout, "\n0 of 6 conversations change.\n") {
				t.Errorf("%v: %s replayed on the same flow changes:\n%s", clock, filepath.Base(in), stdout)
			}
		}
	}
}
