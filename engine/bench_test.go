package engine

import (
	"context"
	"testing"
	"time"

	"github.com/looplab/fsm"

	"github.com/batonbot/baton/flows"
)

// menuFlow is a menu whose first option comes back to it.
func menuFlow(tb testing.TB) *flows.Flow {
	b := newFlow(tb, "welcome", map[string]any{"vip": false})
	b.state("welcome", &flows.State{
		Actions: []flows.Action{b.say("Come posso aiutarti?")},
		Menu: b.menu(
			opt("again", "Di nuovo", "Again", "welcome", "ancora"),
			opt("order", "Stato ordine", "Order status", "welcome", "ordine", "spedizione"),
			opt("agent", "Operatore", "Talk to a person", "welcome"),
		),
	})
	b.f.Triggers = []*flows.Rule{{Name: "human", Keywords: kw("operatore", "agente"), Do: flows.Do{Goto: "welcome"}}}
	return b.f
}

// BenchmarkMenuTurnFullTranscript is a menu turn through Handle on a chat
// whose transcript is at the default bound (200 messages): copying it into
// the new session dominates.
func BenchmarkMenuTurnFullTranscript(b *testing.B) {
	ctx := context.Background()
	e := New(menuFlow(b), WithClock(func() time.Time { return t0 }))
	m := newSharedStore()
	create := func() *flows.Session { return e.NewSession("", flows.Contact{ID: "u", Name: "Anna"}, "whatsapp", "it") }
	in := flows.Input{Kind: flows.InputMessage, Text: "1", At: t0}
	for range 120 {
		if _, err := e.Handle(ctx, m, "c", in, create); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Handle(ctx, m, "c", in, create); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMenuTurn is one menu turn ("1") through Handle with the memory
// store, on a conversation with a typical transcript (10 messages).
func BenchmarkMenuTurn(b *testing.B) {
	ctx := context.Background()
	e := New(menuFlow(b), WithClock(func() time.Time { return t0 }), WithTranscriptLimit(10))
	m := newSharedStore()
	create := func() *flows.Session { return e.NewSession("", flows.Contact{ID: "u", Name: "Anna"}, "whatsapp", "it") }
	in := flows.Input{Kind: flows.InputMessage, Text: "1", At: t0}
	for range 10 {
		e.Handle(ctx, m, "c", in, create)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Handle(ctx, m, "c", in, create); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTurn(b *testing.B) {
	benchTurn(b, context.Background())
}

// BenchmarkTurnTraced is BenchmarkTurn with a trace collected (the web
// sandbox's inspector): its cost over BenchmarkTurn is what tracing costs.
func BenchmarkTurnTraced(b *testing.B) {
	tr := &Trace{}
	ctx := WithTrace(context.Background(), tr)
	benchTurn(b, ctx, func() { tr.Turns = tr.Turns[:0] })
}

func benchTurn(b *testing.B, ctx context.Context, each ...func()) {
	e := New(menuFlow(b), WithClock(func() time.Time { return t0 }))
	s := e.NewSession("c", flows.Contact{ID: "u", Name: "Anna"}, "whatsapp", "it")
	s, _, _ = e.Turn(ctx, s, flows.Input{Kind: flows.InputMessage, Text: "ciao", At: t0})
	in := flows.Input{Kind: flows.InputMessage, Text: "1", At: t0}
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range each {
			f()
		}
		if _, _, err := e.Turn(ctx, s, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTurnText(b *testing.B) {
	ctx := context.Background()
	e := New(menuFlow(b), WithClock(func() time.Time { return t0 }))
	s := e.NewSession("c", flows.Contact{ID: "u", Name: "Anna"}, "whatsapp", "it")
	s, _, _ = e.Turn(ctx, s, flows.Input{Kind: flows.InputMessage, Text: "ciao", At: t0})
	in := flows.Input{Kind: flows.InputMessage, Text: "vorrei sapere della spedizone", At: t0}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := e.Turn(ctx, s, in); err != nil {
			b.Fatal(err)
		}
	}
}

// twoQuestions asks a name, then an age with validation, then says goodbye.
func twoQuestions(tb testing.TB) *flows.Flow {
	b := newFlow(tb, "name", map[string]any{"name": "", "age": ""})
	b.state("name", &flows.State{
		Actions: []flows.Action{b.say("Come ti chiami?")},
		Ask:     &flows.Ask{SaveAs: "name"},
		Next:    goTo("age"),
	})
	b.state("age", &flows.State{
		Actions: []flows.Action{b.say("Quanti anni hai, {{ name }}?")},
		Ask: &flows.Ask{SaveAs: "age", Validate: b.expr(`answer matches "^[0-9]{1,3}$" and int(answer) >= 18`),
			Invalid: b.text("Scrivi la tua età in cifre (almeno 18).")},
		Next: goTo("bye"),
	})
	b.state("bye", &flows.State{Actions: []flows.Action{b.say("Grazie {{ name }}, a presto!")}, End: true})
	return b.f
}

func BenchmarkConversation(b *testing.B) {
	ctx := context.Background()
	e := New(twoQuestions(b), WithClock(func() time.Time { return t0 }))
	msgs := []string{"ciao", "Anna", "diciassette", "42"}
	b.ReportAllocs()
	for b.Loop() {
		s := e.NewSession("c", flows.Contact{ID: "u"}, "web", "it")
		for _, m := range msgs {
			ns, _, err := e.Turn(ctx, s, flows.Input{Kind: flows.InputMessage, Text: m, At: t0})
			if err != nil {
				b.Fatal(err)
			}
			s = ns
		}
		if s.Lifecycle != flows.LifecycleClosed {
			b.Fatalf("conversation did not end: %+v", s)
		}
	}
}

// The lifecycle measurements behind lifecycle.go's choice of a table.
func BenchmarkLifecycleFSM(b *testing.B) {
	m := LifecycleFSM(flows.LifecycleBot)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		m.SetState(string(flows.LifecycleBot))
		if err := m.Event(ctx, evHandoff); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLifecycleNewFSM(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		m := fsm.NewFSM(string(flows.LifecycleBot), lifecycleEvents, nil)
		if err := m.Event(ctx, evHandoff); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLifecycleTable(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := lifecycleTable[lcKey{evHandoff, string(flows.LifecycleBot)}]; !ok {
			b.Fatal("no transition")
		}
	}
}
