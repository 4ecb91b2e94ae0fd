package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

func TestHandleConcurrentTurns(t *testing.T) {
	e := New(shop(t), WithClock(func() time.Time { return t0 }))
	m := newSharedStore()
	create := func() *flows.Session {
		return e.NewSession("", flows.Contact{ID: "u", Name: "Anna"}, "web", "it")
	}
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.Handle(context.Background(), m, "conv", flows.Input{Kind: flows.InputMessage, Text: fmt.Sprint("msg ", i)}, create)
			if err != nil && !errors.Is(err, flows.ErrConflict) {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s, err := m.Load(context.Background(), "conv")
	if err != nil {
		t.Fatal(err)
	}
	if int64(s.Turns) != s.Rev {
		t.Errorf("turns %d rev %d: every saved turn is counted once", s.Turns, s.Rev)
	}
	users := 0
	for _, msg := range s.Transcript {
		if msg.From == flows.RoleUser {
			users++
		}
	}
	if users != s.Turns {
		t.Errorf("%d user messages in %d turns: a turn was lost", users, s.Turns)
	}
}

func TestHandleWritesOutbox(t *testing.T) {
	ctx := context.Background()
	now := t0
	e := New(shop(t), WithClock(func() time.Time { return now }))
	m := newTestStore()
	create := func() *flows.Session { return e.NewSession("", flows.Contact{ID: "u"}, "web", "it") }
	msg := func(text string) {
		t.Helper()
		now = now.Add(time.Second)
		if _, err := e.Handle(ctx, m, "c", flows.Input{Kind: flows.InputMessage, Text: text}, create); err != nil {
			t.Fatal(err)
		}
	}
	msg("operatore")
	msg("primo")
	msg("secondo")

	items := m.List("")
	if len(items) != 3 || items[0].Kind != flows.OutboxOpen || items[1].Kind != flows.OutboxAppend || items[2].Message.Text != "secondo" {
		t.Fatalf("items %+v", items)
	}
	hid := items[0].HandoffID
	if items[0].Handoff == nil || items[0].Handoff.ID != hid || items[1].HandoffID != hid || items[0].Status != flows.OutboxPending || !items[0].NextAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("open %+v", items[0])
	}
	if items[1].ID == items[2].ID || items[1].ConversationID != "c" {
		t.Fatalf("appends %+v", items[1:])
	}
}

func TestLifecycleTableMatchesFSM(t *testing.T) {
	states := []flows.Lifecycle{flows.LifecycleBot, flows.LifecycleHandedOff, flows.LifecycleWithAgent, flows.LifecycleClosed}
	for _, ev := range lifecycleEvents {
		for _, src := range states {
			m := LifecycleFSM(src)
			err := m.Event(context.Background(), ev.Name)
			dst, ok := lifecycleTable[lcKey{ev.Name, string(src)}]
			if (err == nil) != ok || (ok && string(dst) != m.Current()) {
				t.Errorf("%s from %s: fsm %v → %s, table %v → %s", ev.Name, src, err, m.Current(), ok, dst)
			}
		}
	}
	if d := LifecycleDiagram(); d == "" {
		t.Error("no diagram")
	}
}

func TestHandleDoesNotAliasTheStore(t *testing.T) {
	ctx := context.Background()
	b := newFlow(t, "a", map[string]any{"res": nil})
	b.state("a", &flows.State{Actions: []flows.Action{&flows.HTTP{URL: b.tpl("https://x"), SaveAs: "res"}}, Next: goTo("b")})
	b.state("b", &flows.State{Actions: []flows.Action{b.say("{{ res.body.n }}")}, Routes: []*flows.Rule{{Keywords: kw("x")}}})
	e := New(b.f, WithClock(func() time.Time { return t0 }))
	m := newTestStore()
	tmpl := &flows.Session{Contact: flows.Contact{ID: "u", Meta: map[string]string{"plan": "gold"}}}
	effs, err := e.Handle(ctx, m, "c", flows.Input{Kind: flows.InputMessage, Text: "hi"}, func() *flows.Session { return tmpl })
	if err != nil {
		t.Fatal(err)
	}
	tmpl.Contact.Meta["plan"] = "changed"
	req, _ := find[flows.HTTPRequest](effs)
	effs, err = e.Handle(ctx, m, "c", flows.Input{Kind: flows.InputHTTP, HTTP: &flows.HTTPResult{ID: req.ID, Status: 200, Body: []byte(`{"n":"one"}`)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := replies(effs); len(got) != 1 || got[0] != "one" {
		t.Fatalf("replies %q", got)
	}
	vs, _ := find[flows.VarSet](effs)
	vs.Value.(map[string]any)["body"].(map[string]any)["n"] = "changed"
	s, _ := m.Load(ctx, "c")
	if s.Contact.Meta["plan"] != "gold" || s.Vars["res"].(map[string]any)["body"].(map[string]any)["n"] != "one" {
		t.Errorf("the store shares data with the caller: meta %v res %v", s.Contact.Meta, s.Vars["res"])
	}
}

// Without a create function a missing session is an error wrapping
// flows.ErrNoSession, so a host can tell it from a failed turn.
func TestHandleWithoutCreateWrapsErrNoSession(t *testing.T) {
	e := New(shop(t), WithClock(func() time.Time { return t0 }))
	_, err := e.Handle(context.Background(), newTestStore(), "gone", flows.Input{Kind: flows.InputTimer, Timer: "reminder"}, nil)
	if !errors.Is(err, flows.ErrNoSession) {
		t.Errorf("want an error wrapping ErrNoSession, got %v", err)
	}
}
