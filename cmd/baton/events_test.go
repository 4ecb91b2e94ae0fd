package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/flows"
)

func readEvents(t *testing.T, path string) []flows.Event {
	t.Helper()
	var out []flows.Event
	if err := analytics.ScanFiles([]string{path}, nil, func(e *flows.Event) error { out = append(out, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEventsFromTestChatAndLoad(t *testing.T) {
	dir := t.TempDir()
	tests := filepath.Join(dir, "test.jsonl")
	code, out, errs := runCLI(t, "", "test", "--events", tests, "../../examples/tests/welcome_menu.yaml")
	if code != exitOK {
		t.Fatalf("baton test: %d\n%s%s", code, out, errs)
	}
	evs := readEvents(t, tests)
	convs := map[string]bool{}
	for _, e := range evs {
		if e.Type == flows.EvConversationStarted {
			convs[e.Conversation] = true // a restart after the end starts it again
		}
		if e.Flow != "shop-support" || e.FlowVersion != "1.0" || e.V != flows.EventSchema {
			t.Fatalf("common fields: %+v", e)
		}
	}
	if len(convs) < 5 {
		t.Errorf("%d conversation ids, want one per test conversation (they must not share ids)", len(convs))
	}
	// Every test conversation is another customer (each test's contact
	// is its own): one that shared a contact with the test before it
	// would read, in the report's first contact resolution, as that
	// customer coming back about the same topic.
	contactOf := map[string]string{} // contact → the test scope that had it
	for _, e := range evs {
		scope, _, _ := strings.Cut(e.Conversation, ".")
		if prev, ok := contactOf[e.Contact]; ok && prev != scope {
			t.Fatalf("tests %s and %s share contact %s", prev, scope, e.Contact)
		}
		contactOf[e.Contact] = scope
	}

	chat := filepath.Join(dir, "chat.jsonl")
	code, out, errs = runCLI(t, "ciao\n2\n", "chat", "--json", "--events", chat, "--events-text", "--now", "2026-03-03T10:30:00+01:00", "../../examples/flows/support.yaml")
	if code != exitOK {
		t.Fatalf("baton chat: %d\n%s%s", code, out, errs)
	}
	evs = readEvents(t, chat)
	var in []string
	for _, e := range evs {
		if e.Type == flows.EvMessageIn {
			in = append(in, e.Text)
		}
	}
	if strings.Join(in, "|") != "ciao|2" {
		t.Errorf("chat message_in texts %q", in)
	}

	load := filepath.Join(dir, "load.jsonl")
	code, out, errs = runCLI(t, "", "load", "--conversations", "20", "--concurrency", "2", "--events", load, "../../examples/tests/faq.yaml")
	if code != exitOK {
		t.Fatalf("baton load: %d\n%s%s", code, out, errs)
	}
	started := 0
	for _, e := range readEvents(t, load) {
		if e.Type == flows.EvConversationStarted {
			started++
		}
	}
	if started < 20 {
		t.Errorf("load: %d conversations started, want at least 20", started)
	}
}

// TestEventsNeverIntoAnotherFile: --events appends JSON lines; given the
// flow (or any file that is not an events file) it appended them to it
// and the flow no longer loaded. Such a file is refused and kept.
func TestEventsNeverIntoAnotherFile(t *testing.T) {
	dir := t.TempDir()
	flow := filepath.Join(dir, "bot.yaml")
	src := "flow: w\nlanguages: [en]\nstart: a\nstates:\n  a:\n    say: hi\n    end: true\n"
	writeFile(t, flow, src)
	code, stdout, stderr := runCLI(t, "hi\n", "chat", "--events", flow, flow)
	wantCode(t, code, exitRuntime, stdout, stderr)
	if !strings.Contains(stderr, "--events "+flow+" is not an events file (JSON Lines, one event a line); give a new file, or one Baton wrote") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if b, _ := os.ReadFile(flow); string(b) != src {
		t.Errorf("the flow was changed:\n%s", b)
	}
	// An events file Baton wrote is appended to.
	evs := filepath.Join(dir, "events.jsonl")
	for range 2 {
		code, stdout, stderr = runCLI(t, "hi\n", "chat", "--events", evs, flow)
		wantCode(t, code, exitOK, stdout, stderr)
	}
}

// TestDocsAnalyticsCommandsWarnNothing: docs/analytics.md's first two
// commands, run on any date, print no warning: every example test's clock
// is in the past (report leaves out, with a warning, events dated more
// than a day after now), so the report counts every conversation.
func TestDocsAnalyticsCommandsWarnNothing(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events.jsonl")
	code, out, errs := runCLI(t, "", "test", "--events", events, "../../examples/tests")
	if code != exitOK {
		t.Fatalf("baton test --events: %d\n%s%s", code, out, errs)
	}
	code, _, errs = runCLI(t, "", "report", events)
	if code != exitOK || errs != "" {
		t.Errorf("baton report: exit %d, stderr:\n%s", code, errs)
	}
}

// TestChatEventsAppendedStayApart: every `baton chat` conversation is
// sandbox-1, so two chats appending to one events file wrote one
// conversation's ids twice, and `baton report` read them as one
// conversation that started twice. A chat whose file has events already
// scopes its ids by where its events start in the file.
func TestChatEventsAppendedStayApart(t *testing.T) {
	evs := filepath.Join(t.TempDir(), "events.jsonl")
	for range 3 {
		code, out, errs := runCLI(t, "ciao\n", "chat", "--events", evs, "--now", "2026-03-03T10:30:00+01:00", "../../examples/flows/support.yaml")
		if code != exitOK {
			t.Fatalf("baton chat: %d\n%s%s", code, out, errs)
		}
	}
	convs, ids := map[string]bool{}, map[string]bool{}
	for _, e := range readEvents(t, evs) {
		convs[e.Conversation] = true
		if ids[e.ID] {
			t.Errorf("event id %s written twice", e.ID)
		}
		ids[e.ID] = true
	}
	if len(convs) != 3 || !convs["sandbox-1"] {
		t.Errorf("conversations %v, want three, the first sandbox-1", slices.Sorted(maps.Keys(convs)))
	}
}
