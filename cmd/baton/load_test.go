package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/loadgen"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/valkey"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

func TestLoadReplaysConversations(t *testing.T) {
	code, out, errOut := runCLI(t, "", "load", "--conversations", "40", "--concurrency", "3", "--json", "../../examples/tests/survey.yaml")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	var rep loadgen.EngineReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	// survey.yaml's conversations have 2 to 4 user steps each.
	if rep.Conversations != 40 || rep.Turns < 80 || rep.Turns > 160 || rep.Errors != 0 || rep.Workers != 3 {
		t.Errorf("report = %+v; want 40 conversations of 2-4 turns, no errors", rep)
	}
	if rep.TurnsPerSec <= 0 || rep.P50 <= 0 || rep.P99 < rep.P50 || rep.AllocsPerTurn <= 0 {
		t.Errorf("report lacks measurements: %+v", rep)
	}
}

func TestLoadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"load"},
		{"load", "--duration", "11m", "../../examples/tests"},
		{"load", "--concurrency", "0", "../../examples/tests"},
	} {
		code, _, errOut := runCLI(t, "", args...)
		if code != exitUsage || !strings.Contains(errOut, "baton load") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, errOut)
		}
	}
	if code, _, errOut := runCLI(t, "", "load", "--conversations", "1", "no/such/dir"); code != exitUsage || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing path: exit %d, stderr %q", code, errOut)
	}
}

// A timed run exits cleanly with a consistent report (loadgen's tests end
// runs at every point of a turn).
func TestLoadDurationEndsCleanly(t *testing.T) {
	code, out, errOut := runCLI(t, "", "load", "--duration", "150ms", "--json", "../../examples/tests")
	var rep loadgen.EngineReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if code != exitOK || rep.Errors != 0 || rep.Conversations < 0 || rep.Turns < rep.Conversations || (rep.Turns > 0) != (rep.Conversations > 0) {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, errOut)
	}
}

// The bolt and valkey stores: the conversations are deleted when their
// scripts end, so the store holds none after the run (loadgen's tests
// check the memory store).
func TestLoadStores(t *testing.T) {
	t.Run("bolt", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "load.db")
		code, out, errOut := runCLI(t, "", "load", "--store", "bolt", "--store-path", path, "--conversations", "10", "--concurrency", "2", "--json", "../../examples/tests/survey.yaml")
		var rep loadgen.EngineReport
		if err := json.Unmarshal([]byte(out), &rep); code != exitOK || err != nil || rep.Errors != 0 || rep.Store != "bolt" || rep.Turns < 20 {
			t.Fatalf("exit %d, report %s, stderr %s", code, out, errOut)
		}
		s, err := bolt.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if n, err := s.Sessions(context.Background()); err != nil || n != 0 {
			t.Errorf("%d conversations left in the store (%v)", n, err)
		}
	})
	t.Run("valkey", func(t *testing.T) {
		srv := valkeytest.Start(t)
		code, out, errOut := runCLI(t, "", "load", "--store", "valkey", "--store-url", srv.URL, "--conversations", "10", "--concurrency", "2", "--json", "../../examples/tests/survey.yaml")
		var rep loadgen.EngineReport
		if err := json.Unmarshal([]byte(out), &rep); code != exitOK || err != nil || rep.Errors != 0 || rep.Store != "valkey" || rep.Turns < 20 {
			t.Fatalf("exit %d, report %s, stderr %s", code, out, errOut)
		}
	})
	for _, args := range [][]string{{"--store", "redis"}, {"--store-path", "x.db"}, {"--store", "bolt", "--store-url", "redis://x"}} {
		if code, _, _ := runCLI(t, "", append(append([]string{"load"}, args...), "../../examples/tests")...); code != exitUsage {
			t.Errorf("%q: exit %d, want a usage error", args, code)
		}
	}
}

// 'baton load --events' stamps the bot's replies on the conversations'
// own (scripted) clock, as 'baton test' does: a report over the file has
// bot response times of the script, not of months between the tests'
// date and today, and no conversation settled as idle for a day.
func TestLoadEventsReport(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events.jsonl")
	if code, _, errOut := runCLI(t, "", "load", "--conversations", "20", "--concurrency", "2", "--events", events, "../../examples/tests/faq.yaml"); code != exitOK {
		t.Fatalf("load: exit %d, stderr:\n%s", code, errOut)
	}
	code, out, errOut := runCLI(t, "", "report", "--json", events)
	if code != exitOK {
		t.Fatalf("report: exit %d, stderr:\n%s", code, errOut)
	}
	var r struct {
		Conversations int            `json:"conversations"`
		Outcomes      map[string]int `json:"outcomes"`
		BotResponse   struct {
			Count int     `json:"count"`
			Max   float64 `json:"max"`
		} `json:"bot_response"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.BotResponse.Count == 0 || r.BotResponse.Max > 60000 {
		t.Errorf("bot response over %d replies: max %.0f ms, want at most a minute", r.BotResponse.Count, r.BotResponse.Max)
	}
	if r.Outcomes["expired"] != 0 {
		t.Errorf("outcomes %v: no conversation of a load run sat idle for a day", r.Outcomes)
	}
}

// TestLoadOnAServersValkey: 'baton load --store valkey' pointed at the
// Valkey a 'baton serve' uses leaves it nothing to deliver: the handoffs
// the load's conversations ask for are not helpdesk work of the
// deployment's, and nothing of the run stays on the server.
func TestLoadOnAServersValkey(t *testing.T) {
	ctx := context.Background()
	srv := valkeytest.Start(t)
	code, out, errOut := runCLI(t, "", "load", "--store", "valkey", "--store-url", srv.URL, "--conversations", "10", "--concurrency", "2", "--json", "../../examples/tests/escalation.yaml")
	var rep loadgen.EngineReport
	if err := json.Unmarshal([]byte(out), &rep); code != exitOK || err != nil || rep.Errors != 0 || rep.Turns < 10 {
		t.Fatalf("exit %d, report %s, stderr %s", code, out, errOut)
	}
	// A serve on the same server (BATON_TEST_VALKEY_URL may be shared by
	// other tests: only the load's keys are looked at) finds nothing of
	// the run: not under its own prefix, and nothing is left under the
	// run's.
	c, err := valkey.NewStore(ctx, srv.URL, valkey.WithSweepEvery(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, pattern := range []string{"baton:{load-*", "baton-load-*"} {
		keys, err := c.Client().Do(ctx, c.Client().B().Keys().Pattern(pattern).Build()).AsStrSlice()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 0 {
			t.Errorf("the load left %d keys %s on the server, e.g. %s", len(keys), pattern, keys[0])
		}
	}
}

// TestLoadLeavesNoHandoffsInBoltFile: 'baton load --store bolt
// --store-path FILE' leaves nothing in FILE that a 'baton serve' on it
// would deliver: the handoffs the load's conversations ask for are not
// helpdesk work. What the file held before the run stays as it was.
func TestLoadLeavesNoHandoffsInBoltFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "load.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	open := flows.OutboxItem{ID: "h1:open", Kind: flows.OutboxOpen, HandoffID: "h1", Handoff: &flows.Handoff{ID: "h1", Reason: "refund"}}
	if err := s.Save(ctx, &flows.Session{ID: "whatsapp:1:39333"}, flows.Commit{Outbox: []flows.OutboxItem{open}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	code, out, errOut := runCLI(t, "", "load", "--store", "bolt", "--store-path", path, "--conversations", "10", "--concurrency", "2", "--json", "../../examples/tests/escalation.yaml")
	var rep loadgen.EngineReport
	if err := json.Unmarshal([]byte(out), &rep); code != exitOK || err != nil || rep.Errors != 0 || rep.Turns < 10 {
		t.Fatalf("exit %d, report %s, stderr %s", code, out, errOut)
	}
	s, err = bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	items, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID+" of "+it.ConversationID)
	}
	if len(items) != 1 || items[0].ID != "h1:open" || items[0].Status != flows.OutboxPending {
		t.Errorf("the outbox after the load: %q, want only the store's own pending h1:open", ids)
	}
	if _, err := s.Load(ctx, "whatsapp:1:39333"); err != nil {
		t.Errorf("the store's own conversation: %v", err)
	}
}

// 'baton load --serve URL --events FILE' would write nothing: the turns
// run in the server, which records its own events ('baton serve --events'
// or its config's events:). It is refused, before any server is called,
// with where to get them; the file is not created.
func TestLoadServeRefusesEvents(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events.jsonl")
	code, stdout, stderr := runCLI(t, "", "load", "--serve", "http://127.0.0.1:1", "--events", events, "--conversations", "1", "../../examples/tests/faq.yaml")
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, "--events") || !strings.Contains(stderr, "baton serve") {
		t.Errorf("the refusal does not say where the events are:\n%s", stderr)
	}
	if _, err := os.Stat(events); err == nil {
		t.Errorf("%s was created", events)
	}
}
