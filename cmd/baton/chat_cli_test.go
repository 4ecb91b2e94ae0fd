package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestChatUnknownChannel: --channel sms (any channel the sandbox does not
// have) is refused with the list of channels, as is a test file's channel:.
func TestChatUnknownChannel(t *testing.T) {
	code, stdout, stderr := runCLI(t, "hi\n", "chat", "--channel", "sms", "testdata/flows/shop.yaml")
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, `baton chat: --channel: unknown channel "sms" (the channels are sandbox, whatsapp, telegram, web)`) {
		t.Errorf("stderr:\n%s", stderr)
	}
	_, _, stderr = runCLI(t, "hi\n", "chat", "--channel", "whatsap", "testdata/flows/shop.yaml")
	if !strings.Contains(stderr, `did you mean "whatsapp"?`) {
		t.Errorf("no suggestion:\n%s", stderr)
	}
	code, stdout, stderr = runCLI(t, "hi\n", "chat", "--json", "--channel", "telegram", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)

	test := filepath.Join(t.TempDir(), "sms.yaml")
	writeFile(t, test, "flow: "+abs(t, "testdata/flows/shop.yaml")+"\nchannel: sms\nconversations:\n  - steps: [{user: hi}]\n")
	code, stdout, stderr = runCLI(t, "", "test", test)
	wantCode(t, code, exitFailed, stdout, stderr)
	if !strings.Contains(stdout, test+`:2:10: channel: unknown channel "sms" (the channels are sandbox, whatsapp, telegram, web)`) {
		t.Errorf("the test file's channel is not refused at its position:\n%s", stdout)
	}
}

// TestChatDefaultCustomerFitsTheLanguage: without --user and --phone the
// customer has a name and a number of the conversation's language.
func TestChatDefaultCustomerFitsTheLanguage(t *testing.T) {
	flow := filepath.Join(t.TempDir(), "hola.yaml")
	writeFile(t, flow, `flow: hola
languages: [es, en]
start: hi
states:
  hi:
    say:
      es: "Hola {{ user.name }} ({{ user.phone }}, {{ user.country }})"
      en: "Hi {{ user.name }} ({{ user.phone }}, {{ user.country }})"
    end: true
`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "bot: Hola Lucía (+34600000000, ES)"},
		{[]string{"--lang", "en"}, "bot: Hi Emma (+447700900123, GB)"},
		{[]string{"--user", "Pepe"}, "bot: Hola Pepe (+34600000000, ES)"},
		{[]string{"--phone", "+34911111111"}, "bot: Hola Lucía (+34911111111, ES)"},
	} {
		args := append(append([]string{"chat"}, tc.args...), flow)
		code, stdout, stderr := runCLI(t, "hola\n", args...)
		wantCode(t, code, exitOK, stdout, stderr)
		if !strings.Contains(stdout, tc.want) {
			t.Errorf("%v: the chat does not show %q:\n%s", tc.args, tc.want, stdout)
		}
	}
}

// TestChatButtonNotInTheMenu: /button with an id that is not an option of
// the menu shown is refused with the ids that are, instead of becoming
// free text; an id of the menu taps it.
func TestChatButtonNotInTheMenu(t *testing.T) {
	code, stdout, stderr := runCLI(t, "/button order\nhi\n/button nope\n/button agnet\n/button order\n", "chat", "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	for _, want := range []string{
		`! /button: no menu has been shown in this conversation, so there is no button "order" to tap; write the customer's message instead`,
		`! /button: "nope" is not a button of the menu shown (its ids: order, faq, agent)`,
		`! /button: "agnet" is not a button of the menu shown; did you mean "agent"? (its ids: order, faq, agent)`,
		"state welcome → ask_order",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the chat does not show %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "not understood") {
		t.Errorf("a refused /button reached the flow as text:\n%s", stdout)
	}
}

func abs(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestChatPipedEchoesTheCustomer: piped into the text chat, each line is
// shown as the customer's before what it caused, as a terminal shows it.
func TestChatPipedEchoesTheCustomer(t *testing.T) {
	code, stdout, stderr := runCLI(t, "hi\n/button faq\n\nagent\n", "chat", "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	order := []string{"you> hi\n", "bot: Hi Emma! How can I help?", "you> /button faq\n", "state welcome → faq", "you> agent\n", `trigger "asks_for_human"`}
	at := 0
	for _, want := range order {
		i := strings.Index(stdout[at:], want)
		if i < 0 {
			t.Fatalf("%q is missing or out of order:\n%s", want, stdout)
		}
		at += i + len(want)
	}
	if strings.Count(stdout, "you> ") != 3 {
		t.Errorf("the empty line was echoed, or a line twice:\n%s", stdout)
	}
}

// TestChatJSONUserEvents: --json writes the customer's message (or button,
// or close) as a "user" event before the events it caused.
func TestChatJSONUserEvents(t *testing.T) {
	code, stdout, stderr := runCLI(t, "hi\n/button faq\n/state\n/close\n", "chat", "--json", "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if lines[0] != `{"type":"user","text":"hi"}` {
		t.Errorf("the first event is not the customer's message: %s", lines[0])
	}
	var users []string
	for i, l := range lines {
		if strings.HasPrefix(l, `{"type":"user"`) {
			users = append(users, l)
			if i+1 < len(lines) && strings.HasPrefix(lines[i+1], `{"type":"user"`) {
				t.Errorf("a user event caused nothing: %s", l)
			}
		}
	}
	want := []string{`{"type":"user","text":"hi"}`, `{"type":"user","button":"faq"}`, `{"type":"user","close":true}`}
	if strings.Join(users, "\n") != strings.Join(want, "\n") {
		t.Errorf("user events:\n%s\nwant:\n%s", strings.Join(users, "\n"), strings.Join(want, "\n"))
	}
}

// TestChatHandoffBrief: in the text chat a handoff is a few lines a person
// reads (team, priority, why in words, what the customer asked for, what
// the bot collected, the ticket), not the payload; /handoff and
// --handoff-json show the payload whole.
func TestChatHandoffBrief(t *testing.T) {
	script := "hi\n1\nit is A12345\n1\nI want a human\n"
	code, stdout, stderr := runCLI(t, script, "chat", "--now", "2026-03-03T10:30:00+01:00", "--var", "vip=true", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	i := strings.Index(stdout, "· HANDOFF")
	if i < 0 {
		t.Fatalf("no handoff:\n%s", stdout)
	}
	brief := stdout[i:]
	brief = brief[:strings.Index(brief, "/handoff shows")]
	want := `· HANDOFF to team support, priority high
      why:       Escalated: asks for human.
      asked:     “it is A12345”
      collected: order_id = A12345, vip = true
      ticket:    “Sandbox: asks for human — Emma”, tags sandbox en
      then:      back to state csat when the ticket is solved
      `
	if brief != want {
		t.Errorf("the handoff shows as:\n%s\nwant:\n%s", brief, want)
	}
	if strings.Contains(stdout, `"transcript"`) || strings.Count(stdout, "\n") > 60 {
		t.Errorf("the payload is shown without asking:\n%s", stdout)
	}

	_, stdout, _ = runCLI(t, script+"/handoff\n", "chat", "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	if !strings.Contains(stdout, "the payload of handoff sandbox-1-6-1") || !strings.Contains(stdout, `"transcript": [`) {
		t.Errorf("/handoff does not show the payload:\n%s", stdout)
	}
	_, stdout, _ = runCLI(t, script, "chat", "--handoff-json", "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	if !strings.Contains(stdout, `"transcript": [`) {
		t.Errorf("--handoff-json does not show the payload:\n%s", stdout)
	}
	_, stdout, _ = runCLI(t, script+"/handoff\n", "chat", "--json", "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	if strings.Count(stdout, `{"type":"handoff","id":"sandbox-1-6-1"`) != 2 {
		t.Errorf("/handoff in --json does not write the handoff again:\n%s", stdout)
	}
}

// TestChatATestFile: a conversation test given as the flow (tests/bot.yaml
// for flows/bot.yaml) is said to be one, with what to run, rather than
// reported as a flow missing languages:, start: and states: with its keys
// unknown.
func TestChatATestFile(t *testing.T) {
	path := "../../examples/tests/faq.yaml"
	code, stdout, stderr := runCLI(t, "hi\n", "chat", path)
	wantCode(t, code, exitFailed, stdout, stderr)
	want := path + ": a conversation test file, not a flow: run it with baton test " + path + ", or give the flow its flow: names\n"
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
}

// TestChatNowOutOfYears: a --now the sandbox's clock cannot keep (past
// 9000: ten minutes after 9999-12-31T23:55 no time is JSON and the
// session was lost without a word) is a usage error, as baton sandbox's.
func TestChatNowOutOfYears(t *testing.T) {
	code, stdout, stderr := runCLI(t, "hi\n/wait 10m\n", "chat", "--now", "9999-12-31T23:55:00Z", supportYAML)
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, "--now 9999-12-31T23:55:00Z is in the year 9999: set the clock between the years 1900 and 9000") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// TestChatDrainWithoutLive: --drain waits for the live outbox; without
// --live it did nothing, silently, where --store is refused.
func TestChatDrainWithoutLive(t *testing.T) {
	code, stdout, stderr := runCLI(t, "hi\n", "chat", "--drain", "5s", supportYAML)
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, "--drain is for --live (the sandbox sends nothing to wait for)") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// TestChatADirectory: a directory given as FLOW (the project, or flows/)
// is a usage error that says so; it was exit 1 with "cannot read the
// file: is a directory", as if a flow had errors.
func TestChatADirectory(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, "hi\n", "chat", dir)
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, "baton chat: "+dir+" is a directory; give a flow file in it, e.g. baton chat flows/bot.yaml") {
		t.Errorf("stderr:\n%s", stderr)
	}
}
