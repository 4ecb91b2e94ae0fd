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
