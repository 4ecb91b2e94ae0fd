package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// RichSession is a session with every field set, the way a conversation
// in a handoff leaves it: stores must give it back exactly (variables keep
// their Go types: an int stays an int).
func RichSession(id string, at time.Time) *flows.Session {
	at = at.UTC().Truncate(time.Microsecond)
	msg := func(i int, from flows.Role, text string) flows.Message {
		return flows.Message{At: at.Add(time.Duration(i) * time.Second), From: from, Text: text}
	}
	tr := []flows.Message{
		msg(0, flows.RoleUser, "ciao"),
		msg(1, flows.RoleBot, "Come posso aiutarti?\n1. Ordini\n2. Operatore"),
		{At: at.Add(2 * time.Second), From: flows.RoleUser, Text: "1", Choice: "Ordini"},
		{At: at.Add(3 * time.Second), From: flows.RoleUser, Text: "[image] scatola rotta", Media: &flows.Media{Kind: flows.MediaImage, ID: "m1", MIME: "image/jpeg", Caption: "scatola rotta"}},
		{At: at.Add(4 * time.Second), From: flows.RoleUser, Text: "[location]", Media: &flows.Media{Kind: flows.MediaLocation, Latitude: 45.4642, Longitude: 9.19, Name: "Duomo",
			Contacts: []flows.Contact{{ID: "c", Name: "Ada", Meta: map[string]string{"k": "v"}}}}},
		{At: at.Add(5 * time.Second), From: flows.RoleAgent, Text: "Sono Luca, ti aiuto io", Agent: "luca@example.com"},
		msg(6, flows.RoleSystem, "ticket solved"),
		msg(7, flows.RoleUser, "grazie 🙏 «ok»"),
	}
	return &flows.Session{
		ID: id, Flow: "shop", Channel: "whatsapp", State: "order_status", Lang: "it",
		Contact: flows.Contact{ID: "393331234567", Name: "Anna Rossi", Phone: "+393331234567", Email: "anna@example.com",
			Meta: map[string]string{"vip": "true", "plan": "gold"}},
		Vars: map[string]any{
			"order": "A-1234", "count": 3, "big": int64(1) << 40, "ratio": 0.25, "ok": true, "none": nil,
			"res":  map[string]any{"ok": true, "status": 200, "body": map[string]any{"items": []any{"a", 1.5, false, nil}}},
			"tags": []any{"x", "y"}, "neg": -7, "empty": "", "at": "2026-01-02T03:04:05Z",
		},
		InitVars:   map[string]any{"vip": true, "plan": "gold"},
		NoMatch:    2,
		Lifecycle:  flows.LifecycleWithAgent,
		Transcript: tr,
		Pending:    &flows.Pending{ID: id + "-3-1", State: "lookup", Step: 1, Path: "menu.2", At: at, Trigger: "order", Timeout: 1},
		Handoff: &flows.HandoffRef{ID: id + "-2-1", Ticket: flows.TicketRef{Connector: "zendesk", ID: "4001", URL: "https://acme.zendesk.com/agent/tickets/4001"}, Return: "survey", Assignee: "luca@example.com",
			Reason: "sensitive_topic", Team: "billing", Priority: flows.PriorityHigh, At: at, FirstResponseDue: at.Add(time.Hour), ResolutionDue: at.Add(8 * time.Hour)},
		Signals: &flows.Signals{Intent: "order_status", Confidence: 0.875, Ranking: []flows.IntentScore{{Intent: "order_status", Score: 0.875}, {Intent: "refund", Score: 0.1}},
			WantsHuman: true, Frustrated: true, Frustration: 0.75, Sentiment: -0.5, Language: "it", Entities: map[string][]string{"order": {"A-1234"}}, Source: "hybrid", Fallback: "timeout"},
		Turns: 9, CreatedAt: at, UpdatedAt: at.Add(7 * time.Second),
		LastUserAt: at.Add(7 * time.Second), TimerKey: id + "-9-2", TimerIndex: 1, Outcome: "solved", SurveyComment: true, FlowDigest: "3f9c2a71d04e8b65",
		Stack: []flows.Frame{{Flow: "address", State: "ask_address", Vars: map[string]any{"order_id": "A12345", "n": 2}}, {Flow: "confirm", State: "ask_street"}},
	}
}

func testLoadSave(t *testing.T, h *h) {
	h.gone("nobody")
	s := &flows.Session{ID: "c1", Flow: "f", Vars: map[string]any{"a": map[string]any{"b": 1}},
		Transcript: []flows.Message{{At: h.now(), From: flows.RoleUser, Text: "hi"}}, Lifecycle: flows.LifecycleBot}
	h.save(s, flows.Commit{})
	if s.Rev != 1 {
		t.Fatalf("a first save leaves Rev %d, want 1", s.Rev)
	}
	s.Vars["a"].(map[string]any)["b"] = 2
	s.Transcript[0].Text = "changed"
	got := h.load("c1")
	if got.Vars["a"].(map[string]any)["b"] != 1 || got.Transcript[0].Text != "hi" || got.Rev != 1 {
		t.Fatalf("the store keeps the caller's later changes: %+v", got)
	}
	got.Vars["a"].(map[string]any)["b"] = 3
	got.Transcript[0].Text = "mine"
	if again := h.load("c1"); again.Vars["a"].(map[string]any)["b"] != 1 || again.Transcript[0].Text != "hi" {
		t.Fatal("Load returns what the store keeps, not a copy")
	}
	got.State = "next"
	h.save(got, flows.Commit{})
	if got.Rev != 2 || h.load("c1").State != "next" || h.load("c1").Rev != 2 {
		t.Fatalf("a second save: rev %d, stored %+v", got.Rev, h.load("c1"))
	}
	if err := h.s.Save(h.ctx, &flows.Session{}, flows.Commit{}); err == nil {
		t.Error("saving a session without an id must fail")
	}
}

func testRoundTrip(t *testing.T, h *h) {
	want := RichSession("rich", h.now())
	s := RichSession("rich", h.now())
	h.save(s, flows.Commit{})
	want.Rev = 1
	got := h.load("rich")
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the session changed on its way through the store:\n got %#v\nwant %#v", got, want)
	}
	// A nearly empty session too.
	h.save(&flows.Session{ID: "bare"}, flows.Commit{})
	if got := h.load("bare"); !reflect.DeepEqual(got, &flows.Session{ID: "bare", Rev: 1}) {
		t.Fatalf("a bare session came back as %#v", got)
	}
}

func testConflict(t *testing.T, h *h) {
	s := h.newSession("c", flows.Commit{})
	a, b := h.load("c"), h.load("c")
	a.State = "a"
	h.save(a, flows.Commit{})
	b.State = "b"
	if err := h.s.Save(h.ctx, b, flows.Commit{}); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("saving a stale session: %v, want flows.ErrConflict", err)
	}
	if b.Rev != 1 {
		t.Errorf("a failed save changed Rev to %d", b.Rev)
	}
	if err := h.s.Save(h.ctx, &flows.Session{ID: "c"}, flows.Commit{}); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("creating a session that exists: %v, want flows.ErrConflict", err)
	}
	ahead := *s
	ahead.Rev = 7
	if err := h.s.Save(h.ctx, &ahead, flows.Commit{}); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("saving a revision the store never had: %v, want flows.ErrConflict", err)
	}
	if got := h.load("c"); got.State != "a" || got.Rev != 2 {
		t.Fatalf("stored %q at rev %d, want a at 2", got.State, got.Rev)
	}
	if err := h.s.Save(h.ctx, &flows.Session{ID: "new", Rev: 3}, flows.Commit{}); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("saving a session that does not exist at rev 3: %v, want flows.ErrConflict", err)
	}
	h.gone("new")
}

// testConflictWritesNothing: a refused save writes none of its commit.
func testConflictWritesNothing(t *testing.T, h *h) {
	in := flows.Inbound{ID: "m1", Channel: "web", ConversationID: "c", Input: flows.Input{Kind: flows.InputMessage, Text: "hi"}, At: h.now()}
	if ok, err := h.s.Inbox().Accept(h.ctx, in); !ok || err != nil {
		t.Fatalf("Accept: %v %v", ok, err)
	}
	h.newSession("c", flows.Commit{Loads: map[string]int{"ada": 1}})
	stale := &flows.Session{ID: "c"}
	commit := flows.Commit{
		Outbox: []flows.OutboxItem{open("h1")},
		Loads:  map[string]int{"ada": 5, "bob": 1},
		Timers: []flows.Timer{{Key: "t", At: h.now()}},
		Done:   []string{"m1"},
	}
	if err := h.s.Save(h.ctx, stale, commit); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("stale save: %v", err)
	}
	if items := h.list(""); len(items) != 0 {
		t.Errorf("a refused save wrote outbox items %q", itemIDs(items))
	}
	if l, _ := h.s.Loads(h.ctx, []string{"ada", "bob"}); l["ada"] != 1 || l["bob"] != 0 {
		t.Errorf("a refused save changed loads: %v", l)
	}
	if due, _ := h.s.Due(h.ctx, h.now().Add(time.Hour), 10); len(due) != 0 {
		t.Errorf("a refused save set timers %+v", due)
	}
	if got, _ := h.s.Inbox().Claim(h.ctx, h.now(), time.Minute, 10); len(got) != 1 || got[0].ID != "m1" {
		t.Errorf("a refused save consumed the inbox entry: %+v", got)
	}
	// An outbox item without an id is refused, with nothing written.
	s := h.load("c")
	if err := h.s.Save(h.ctx, s, flows.Commit{Outbox: []flows.OutboxItem{{Kind: flows.OutboxOpen}}, Loads: map[string]int{"ada": 1}}); err == nil {
		t.Fatal("an outbox item without an id was saved")
	}
	if h.load("c").Rev != 1 {
		t.Error("a refused commit saved the session")
	}
	if err := h.s.Save(h.ctx, s, flows.Commit{Timers: []flows.Timer{{Key: "t", ConversationID: "other", At: h.now()}}}); err == nil {
		t.Fatal("a timer of another conversation was saved")
	}
	// An outbox item of another conversation is refused: a store files an
	// item under its conversation, and settles it there.
	other := reply("other", 1)
	if err := h.s.Save(h.ctx, s, flows.Commit{Outbox: []flows.OutboxItem{other}}); err == nil {
		t.Fatal("an outbox item of another conversation was saved")
	}
	if items := h.list(""); len(items) != 0 {
		t.Errorf("a refused commit wrote outbox items %q", itemIDs(items))
	}
}

func testConcurrentSaves(t *testing.T, h *h) {
	h.newSession("c", flows.Commit{})
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				s, err := h.s.Load(h.ctx, "c")
				if err != nil {
					errs <- err
					return
				}
				s.Turns++
				id := fmt.Sprintf("w%d-%d", w, i)
				err = h.s.Save(h.ctx, s, flows.Commit{Outbox: []flows.OutboxItem{{ID: id, Kind: flows.OutboxReply}}, Loads: map[string]int{"ada": 1}})
				if errors.Is(err, flows.ErrConflict) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				i++
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	s := h.load("c")
	if s.Turns != workers*each || s.Rev != workers*each+1 {
		t.Fatalf("after %d saves: turns %d rev %d: an update was lost", workers*each, s.Turns, s.Rev)
	}
	if n := len(h.list("")); n != workers*each {
		t.Errorf("%d outbox items, want %d", n, workers*each)
	}
	if l, _ := h.s.Loads(h.ctx, []string{"ada"}); l["ada"] != workers*each {
		t.Errorf("load %d, want %d", l["ada"], workers*each)
	}
}

func testDelete(t *testing.T, h *h) {
	h.newSession("c", flows.Commit{Outbox: []flows.OutboxItem{open("h1")}, Timers: []flows.Timer{{Key: "t", At: h.now()}}})
	h.newSession("other", flows.Commit{Timers: []flows.Timer{{Key: "t", At: h.now()}}})
	in := flows.Inbound{ID: "m1", ConversationID: "c", Input: flows.Input{Kind: flows.InputMessage, Text: "hi"}, At: h.now()}
	if ok, err := h.s.Inbox().Accept(h.ctx, in); !ok || err != nil {
		t.Fatalf("Accept: %v %v", ok, err)
	}
	if err := h.s.Delete(h.ctx, "c"); err != nil {
		t.Fatal(err)
	}
	h.gone("c")
	due, err := h.s.Due(h.ctx, h.now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].ConversationID != "other" {
		t.Errorf("after Delete the timers are %+v, want only other's", due)
	}
	if got, _ := h.s.Inbox().Claim(h.ctx, h.now(), time.Minute, 10); len(got) != 0 {
		t.Errorf("after Delete the inbox has %+v", got)
	}
	if items := h.list(""); len(items) != 1 {
		t.Errorf("Delete dropped the outbox items: %q", itemIDs(items))
	}
	if err := h.s.Delete(h.ctx, "nobody"); err != nil {
		t.Errorf("deleting an unknown conversation: %v", err)
	}
	// The id can start over.
	h.newSession("c", flows.Commit{})
}

// Delete forgets a conversation, not the message ids its inbox accepted:
// a webhook the provider delivers again after the delete (Meta retries
// for up to 7 days) is still a duplicate within the dedupe window, and is
// not handled a second time.
func testDeleteKeepsDedupe(t *testing.T, h *h) {
	if !h.accept(inbound("m1", "c", "hi", h.now())) {
		t.Fatal("a new message was taken for a duplicate")
	}
	if err := h.s.Delete(h.ctx, "c"); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(time.Hour)
	if h.accept(inbound("m1", "c", "hi", h.now())) {
		t.Fatal("a message delivered again after Delete was accepted a second time")
	}
	h.wantIDs("the inbox after the redelivery", entryIDs(h.claimInbox(h.now(), 10)), nil)
	// Past the dedupe window the id is new again, as for any conversation.
	h.clock.Add(InboxDedupe)
	if !h.accept(inbound("m1", "c", "hi", h.now())) {
		t.Fatal("after the dedupe window the message is still a duplicate")
	}
}

func testIdleExpiry(t *testing.T, h *h) {
	h.newSession("idle", flows.Commit{Timers: []flows.Timer{{Key: "t", At: h.now().Add(time.Hour)}}})
	busy := h.newSession("busy", flows.Commit{Timers: []flows.Timer{{Key: "t", At: h.now().Add(time.Hour)}}})
	in := flows.Inbound{ID: "m-idle", ConversationID: "idle", Input: flows.Input{Kind: flows.InputMessage, Text: "hi"}, At: h.now()}
	if ok, err := h.s.Inbox().Accept(h.ctx, in); !ok || err != nil {
		t.Fatalf("Accept: %v %v", ok, err)
	}
	h.clock.Add(TTL / 2)
	h.save(busy, flows.Commit{})
	h.clock.Add(TTL/2 + time.Minute)
	h.gone("idle")
	if got := h.load("busy"); got.Rev != 2 {
		t.Fatalf("busy at rev %d", got.Rev)
	}
	due, err := h.s.Due(h.ctx, h.now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].ConversationID != "busy" {
		t.Errorf("timers after the idle conversation expired: %+v, want busy's only", due)
	}
	if got, _ := h.s.Inbox().Claim(h.ctx, h.now(), time.Minute, 10); len(got) != 0 {
		t.Errorf("an inbox entry older than the TTL is still claimable: %+v", got)
	}
	// An expired conversation starts over at revision 0.
	h.newSession("idle", flows.Commit{})
	h.clock.Add(TTL)
	h.gone("busy")
	if err := h.s.Save(h.ctx, busy, flows.Commit{}); !errors.Is(err, flows.ErrConflict) {
		t.Errorf("saving over an expired session: %v, want flows.ErrConflict", err)
	}
}

// The due timers of conversations that expired do not hold up the timers
// of live ones, however few Due is asked for and however often: a bot
// whose conversations went quiet still fires the timers of the ones that
// did not.
func testExpiredTimersDoNotHoldUp(t *testing.T, h *h) {
	for _, id := range []string{"quiet1", "quiet2", "quiet3"} {
		h.newSession(id, flows.Commit{Timers: []flows.Timer{{Key: "t", At: h.now()}}})
	}
	h.clock.Add(TTL + time.Minute)
	h.newSession("live", flows.Commit{Timers: []flows.Timer{{Key: "t", At: h.now()}}})
	for i := range 3 {
		due, err := h.s.Due(h.ctx, h.now(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 1 || due[0].ConversationID != "live" {
			t.Fatalf("Due(1) #%d: %+v, want the live conversation's timer", i+1, due)
		}
	}
}

// A conversation idle past the TTL is forgotten, but not what its customer
// has just written: a customer coming back after the TTL gets both first
// messages handled, through the turn that starts the conversation afresh
// and the store's sweeps.
func testIdleKeepsNewMessages(t *testing.T, h *h) {
	h.newSession("back", flows.Commit{Timers: []flows.Timer{{Key: "t", At: h.now().Add(2 * TTL)}}})
	h.clock.Add(TTL + time.Minute)
	h.accept(inbound("b1", "back", "ciao, sono di nuovo io", h.now()))
	h.accept(inbound("b2", "back", "ci siete?", h.now()))
	h.wantIDs("the first message", entryIDs(h.claimInbox(h.now(), 10)), []string{"b1"})
	h.gone("back")
	// b1's turn: a new conversation, saved over the expired one.
	h.newSession("back", flows.Commit{Done: []string{"b1"}})
	h.sweep()
	h.wantIDs("the second message", entryIDs(h.claimInbox(h.now(), 10)), []string{"b2"})
	// With no turn at all: the conversation expires again, b2 with it (older
	// than the TTL), and a message written then waits through the sweep.
	h.clock.Add(TTL + time.Minute)
	h.accept(inbound("b3", "back", "pronto?", h.now()))
	h.sweep()
	h.gone("back")
	h.wantIDs("a message accepted after the TTL", entryIDs(h.claimInbox(h.now().Add(2*time.Minute), 10)), []string{"b3"})
}

// An entry older than the TTL, not claimed yet, does not hold up its
// conversation's next one until a sweep: a customer who wrote before and
// after the TTL (a long outage) gets the later message handled.
func testExpiredEntryDoesNotBlock(t *testing.T, h *h) {
	h.accept(inbound("old", "c", "prima", h.now()))
	h.clock.Add(TTL - time.Second)
	h.accept(inbound("new", "c", "dopo", h.now()))
	h.clock.Add(2 * time.Second)
	h.wantIDs("past the old one", entryIDs(h.claimInbox(h.now(), 10)), []string{"new"})
	// A leased entry still holds up the next ones, expired or not.
	h.accept(inbound("newer", "c", "ancora", h.now()))
	h.wantIDs("behind the leased one", entryIDs(h.claimInbox(h.now(), 10)), nil)
}

// nested is a value depth levels deep (a string is one level, a list of
// it two): what a flow builds by wrapping a variable in a list each turn
// (set x: [x]).
func nested(depth int) any {
	var v any = "x"
	for i := 1; i < depth; i++ {
		if i%2 == 0 {
			v = map[string]any{"k": v}
		} else {
			v = []any{v}
		}
	}
	return v
}

// A session no store could load back (variable values nested deeper than
// a stored session may be, 20000 levels) is refused when it is saved,
// naming the variable, and the conversation keeps its last good save;
// one at the limit saves and loads.
func testTooDeepRefused(t *testing.T, h *h) {
	const limit = 20000
	s := &flows.Session{ID: "deep", Flow: "f", Lifecycle: flows.LifecycleBot,
		Vars: map[string]any{"x": nested(limit)}, Transcript: []flows.Message{{At: h.now(), From: flows.RoleUser, Text: "hi"}}}
	h.save(s, flows.Commit{})
	if got := h.load("deep"); !reflect.DeepEqual(got.Vars["x"], s.Vars["x"]) {
		t.Fatal("a session nested as deep as the limit did not come back as saved")
	}
	for _, where := range []string{"vars", "init_vars", "stack"} {
		deep := h.load("deep")
		switch where {
		case "vars":
			deep.Vars = map[string]any{"x": []any{deep.Vars["x"]}}
		case "init_vars":
			deep.InitVars = map[string]any{"x": nested(limit + 1)}
		case "stack":
			deep.Stack = []flows.Frame{{Flow: "sub", State: "s", Vars: map[string]any{"x": nested(limit + 1)}}}
		}
		rev := deep.Rev
		err := h.s.Save(h.ctx, deep, flows.Commit{Timers: []flows.Timer{{Key: "t", ConversationID: "deep", At: h.now().Add(time.Hour)}}})
		if err == nil {
			t.Fatalf("%s: a session nested %d levels deep was saved", where, limit+1)
		}
		if msg := err.Error(); !strings.Contains(msg, `"x"`) || !strings.Contains(msg, "20000") {
			t.Errorf("%s: the error does not name the variable and the limit: %v", where, err)
		}
		if deep.Rev != rev {
			t.Errorf("%s: a refused save moved Rev from %d to %d", where, rev, deep.Rev)
		}
		if got := h.load("deep"); got.Rev != 1 || !reflect.DeepEqual(got.Vars["x"], s.Vars["x"]) || len(got.Stack) != 0 {
			t.Errorf("%s: a refused save changed the stored session (rev %d)", where, got.Rev)
		}
	}
}
