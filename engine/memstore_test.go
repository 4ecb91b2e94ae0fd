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

func TestMemoryStoreCopiesAndConflicts(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore()
	if _, err := m.Load(ctx, "x"); !errors.Is(err, flows.ErrNoSession) {
		t.Fatalf("load unknown: %v", err)
	}
	s := &flows.Session{ID: "x", Vars: map[string]any{"a": map[string]any{"b": 1}}, Transcript: []flows.Message{{Text: "hi"}}}
	if err := m.Save(ctx, s); err != nil || s.Rev != 1 {
		t.Fatalf("save: %v rev %d", err, s.Rev)
	}
	s.Vars["a"].(map[string]any)["b"] = 2
	s.Transcript[0].Text = "changed"
	got, _ := m.Load(ctx, "x")
	if got.Vars["a"].(map[string]any)["b"] != 1 || got.Transcript[0].Text != "hi" || got.Rev != 1 {
		t.Fatalf("the store aliases the caller's session: %+v", got)
	}
	got.Vars["a"].(map[string]any)["b"] = 3
	again, _ := m.Load(ctx, "x")
	if again.Vars["a"].(map[string]any)["b"] != 1 {
		t.Fatal("Load returns the stored value itself")
	}

	stale := *again
	if err := m.Save(ctx, again); err != nil {
		t.Fatal(err)
	}
	if err := m.Save(ctx, &stale); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("stale save: %v", err)
	}
	fresh := &flows.Session{ID: "x"}
	if err := m.Save(ctx, fresh); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("creating an existing session must conflict: %v", err)
	}
}

func TestHandleConcurrentTurns(t *testing.T) {
	e := New(shop(t), WithClock(func() time.Time { return t0 }))
	m := NewMemoryStore()
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
	m := NewMemoryStore(WithStoreClock(func() time.Time { return now }))
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

	items, _ := m.List(ctx, "")
	if len(items) != 3 || items[0].Kind != flows.OutboxOpen || items[1].Kind != flows.OutboxAppend || items[2].Message.Text != "secondo" {
		t.Fatalf("items %+v", items)
	}
	hid := items[0].HandoffID
	if items[0].Handoff == nil || items[0].Handoff.ID != hid || items[1].HandoffID != hid || items[0].Status != flows.OutboxPending || !items[0].NextAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("open %+v", items[0])
	}

	// Only the open is claimable; the appends wait for it.
	got, _ := m.Claim(ctx, now, time.Minute, 10)
	if len(got) != 1 || got[0].Kind != flows.OutboxOpen {
		t.Fatalf("claim 1: %+v", got)
	}
	// Leased: nobody else gets it until the lease ends.
	if again, _ := m.Claim(ctx, now.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
		t.Fatalf("claimed twice within the lease: %+v", again)
	}
	if again, _ := m.Claim(ctx, now.Add(2*time.Minute), time.Minute, 10); len(again) != 1 || again[0].ID != got[0].ID {
		t.Fatalf("after the lease the open is claimable again: %+v", again)
	}
	// A failed attempt retries later.
	open := got[0]
	open.Attempts, open.LastError, open.NextAt = 1, "503", now.Add(10*time.Minute)
	if err := m.Settle(ctx, open); err != nil {
		t.Fatal(err)
	}
	if c, _ := m.Claim(ctx, now.Add(5*time.Minute), time.Minute, 10); len(c) != 0 {
		t.Fatalf("retry before NextAt: %+v", c)
	}
	ticket := flows.TicketRef{Connector: "fake", ID: "T1"}
	open.Status, open.Ticket, open.Attempts = flows.OutboxDelivered, ticket, 2
	if err := m.Settle(ctx, open); err != nil {
		t.Fatal(err)
	}
	c, _ := m.Claim(ctx, now, time.Minute, 10)
	if len(c) != 1 || c[0].Kind != flows.OutboxAppend || c[0].Message.Text != "primo" || c[0].Ticket != ticket {
		t.Fatalf("the first append comes next, alone, with the ticket: %+v", c)
	}
	c[0].Status = flows.OutboxDelivered
	m.Settle(ctx, c[0])
	c, _ = m.Claim(ctx, now, time.Minute, 10)
	if len(c) != 1 || c[0].Message.Text != "secondo" {
		t.Fatalf("then the second: %+v", c)
	}
	if err := m.Settle(ctx, flows.OutboxItem{ID: "nope"}); err == nil {
		t.Error("settling an unknown item must fail")
	}
	if d, _ := m.List(ctx, flows.OutboxDelivered); len(d) != 2 {
		t.Errorf("delivered: %d", len(d))
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
	m := NewMemoryStore()
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
