package analytics_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

const testFlow = `
flow: shop
version: "2.1"
languages: [en]
start: menu
timeouts:
  - after: 10m
    end: no_reply
triggers:
  - name: asks_for_human
    keywords: [agent]
    handoff: {reason: asks_for_human, team: billing, priority: high, return: menu}
states:
  menu:
    say: "Pick one"
    menu:
      options:
        - id: faq
          label: FAQ
          goto: faq
        - id: bye
          label: Bye
          goto: bye
  faq:
    say: "Here you go"
    next: menu
  bye:
    say: "Bye!"
    end: resolved
`

// memSink keeps events in memory.
type memSink struct{ events []flows.Event }

func (m *memSink) Write(_ context.Context, evs ...flows.Event) error {
	m.events = append(m.events, evs...)
	return nil
}
func (m *memSink) Close() error { return nil }

func (m *memSink) types() string {
	var out []string
	for _, e := range m.events {
		out = append(out, string(e.Type))
	}
	return strings.Join(out, " ")
}

type harness struct {
	t     *testing.T
	eng   *engine.Engine
	store *memory.Store
	sink  *memSink
	now   time.Time
}

func newHarness(t *testing.T, opts ...analytics.RecorderOption) *harness {
	t.Helper()
	f, diags := dsl.Load("shop.yaml", []byte(testFlow))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	h := &harness{t: t, sink: &memSink{}, now: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)}
	rec := analytics.NewRecorder(h.sink, opts...)
	h.store = memory.New()
	h.eng = engine.New(f, engine.WithObserver(rec.Observe), engine.WithClock(func() time.Time { return h.now }))
	return h
}

func (h *harness) in(in flows.Input) []flows.Event {
	h.t.Helper()
	mark := len(h.sink.events)
	_, err := h.eng.Handle(context.Background(), h.store, "c1", in, func() *flows.Session {
		return h.eng.NewSession("c1", flows.Contact{ID: "+391234"}, "whatsapp", "en")
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return h.sink.events[mark:]
}

func types(evs []flows.Event) string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Type))
	}
	return strings.Join(out, " ")
}

func TestDeriveContainedConversation(t *testing.T) {
	h := newHarness(t)
	evs := h.in(flows.Input{Kind: flows.InputMessage, Text: "hello"})
	if got, want := types(evs), "conversation_started message_in state_entered message_out"; got != want {
		t.Fatalf("first turn: %s, want %s", got, want)
	}
	first := evs[0]
	if first.V != 1 || first.Conversation != "c1" || first.Flow != "shop" || first.FlowVersion != "2.1" || first.Channel != "whatsapp" || first.Lang != "en" {
		t.Errorf("common fields: %+v", first)
	}
	if first.Contact == "" || strings.Contains(first.Contact, "1234") {
		t.Errorf("contact should be a pseudonym, got %q", first.Contact)
	}
	if evs[1].Size != 5 || evs[1].Text != "" || evs[1].To != "bot" {
		t.Errorf("message_in: %+v", evs[1])
	}
	if evs[2].State != "menu" || evs[3].State != "menu" || evs[3].Options != 2 {
		t.Errorf("state/menu: %+v %+v", evs[2], evs[3])
	}
	h.now = h.now.Add(time.Minute)
	evs = h.in(flows.Input{Kind: flows.InputMessage, Text: "2"})
	if got, want := types(evs), "message_in state_entered message_out conversation_ended"; got != want {
		t.Fatalf("second turn: %s, want %s", got, want)
	}
	if evs[0].Choice != "bye" {
		t.Errorf("choice = %q, want bye", evs[0].Choice)
	}
	end := evs[3]
	if end.Outcome != flows.OutcomeContained || end.Reason != "resolved" || end.State != "bye" || !end.At.Equal(h.now) {
		t.Errorf("end: %+v", end)
	}
	seen := map[string]bool{}
	for _, e := range h.sink.events {
		if seen[e.ID] {
			t.Errorf("duplicate id %s", e.ID)
		}
		seen[e.ID] = true
	}
}

func TestDeriveAbandonedByTimeout(t *testing.T) {
	h := newHarness(t)
	h.in(flows.Input{Kind: flows.InputMessage, Text: "hello"})
	key := ""
	if s, err := h.store.Load(context.Background(), "c1"); err == nil {
		key = s.TimerKey
	}
	h.now = h.now.Add(10 * time.Minute)
	evs := h.in(flows.Input{Kind: flows.InputTimer, Timer: key})
	if len(evs) == 0 || evs[len(evs)-1].Outcome != flows.OutcomeAbandoned {
		t.Fatalf("timeout end: %s %+v", types(evs), evs)
	}
}

func TestDeriveHandoffLifecycle(t *testing.T) {
	h := newHarness(t, analytics.WithText(true))
	h.in(flows.Input{Kind: flows.InputMessage, Text: "hello"})
	evs := h.in(flows.Input{Kind: flows.InputMessage, Text: "agent please"})
	if got, want := types(evs), "message_in trigger_fired handoff_requested"; got != want {
		t.Fatalf("handoff turn: %s, want %s", got, want)
	}
	hr := evs[2]
	if hr.Reason != "asks_for_human" || hr.Team != "billing" || hr.Priority != "high" || hr.Handoff == "" || hr.InHours == nil {
		t.Errorf("handoff_requested: %+v", hr)
	}
	if evs[0].Text != "agent please" {
		t.Errorf("WithText: message text %q", evs[0].Text)
	}
	h.now = h.now.Add(90 * time.Second)
	evs = h.in(flows.Input{Kind: flows.InputMessage, Text: "hello?"})
	if types(evs) != "message_in" || evs[0].To != "agent" {
		t.Fatalf("while handed off: %s %+v", types(evs), evs)
	}
	h.now = h.now.Add(3 * time.Minute)
	evs = h.in(flows.Input{Kind: flows.InputAgent, Text: "Hi, Marco here", Agent: "marco"})
	if got, want := types(evs), "first_agent_reply message_out"; got != want {
		t.Fatalf("agent turn: %s, want %s", got, want)
	}
	if fr := evs[0]; fr.Handoff != hr.Handoff || fr.WaitMS != (4*time.Minute+30*time.Second).Milliseconds() || fr.Agent != "marco" || fr.Team != "billing" {
		t.Errorf("first_agent_reply: %+v", fr)
	}
	if evs[1].From != "agent" {
		t.Errorf("agent reply from %q", evs[1].From)
	}
	h.in(flows.Input{Kind: flows.InputAgent, Text: "Anything else?", Agent: "marco"})
	h.now = h.now.Add(time.Hour)
	evs = h.in(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: flows.TicketRef{Connector: "zendesk", ID: "42"}, Status: flows.TicketSolved}})
	if got, want := types(evs), "ticket_solved bot_resumed state_entered message_out"; got != want {
		t.Fatalf("ticket turn: %s, want %s", got, want)
	}
	if ts := evs[0]; ts.Ticket != "42" || ts.Connector != "zendesk" || ts.Handoff != hr.Handoff || ts.WaitMS <= 0 {
		t.Errorf("ticket_solved: %+v", ts)
	}
	if evs[1].State != "menu" {
		t.Errorf("bot_resumed state %q", evs[1].State)
	}
	evs = h.in(flows.Input{Kind: flows.InputMessage, Text: "bye"})
	if end := evs[len(evs)-1]; end.Type != flows.EvConversationEnded || end.Outcome != flows.OutcomeHandedOff {
		t.Fatalf("end after a handoff: %+v", end)
	}
	// A message after the end starts a new conversation.
	evs = h.in(flows.Input{Kind: flows.InputMessage, Text: "hi again"})
	if got := types(evs); !strings.HasPrefix(got, "conversation_started message_in state_entered") {
		t.Fatalf("restart: %s", got)
	}
	if evs[0].State != "" {
		t.Errorf("conversation_started state %q", evs[0].State)
	}
}

func TestDelivered(t *testing.T) {
	sink := &memSink{}
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	rec := analytics.NewRecorder(sink, analytics.WithRecorderClock(func() time.Time { return now }))
	h := &flows.Handoff{ID: "h1", ConversationID: "c1", Flow: "shop", Channel: "web", Language: "it", Team: "billing", Priority: flows.PriorityUrgent, Reason: "refund",
		Contact: flows.Contact{ID: "u1"}}
	rec.Delivered(context.Background(), flows.OutboxItem{Kind: flows.OutboxOpen, Status: flows.OutboxDelivered, Handoff: h, HandoffID: "h1", ConversationID: "c1", Attempts: 2,
		Ticket: flows.TicketRef{Connector: "zendesk", ID: "77"}}, nil)
	rec.Delivered(context.Background(), flows.OutboxItem{Kind: flows.OutboxAppend, Status: flows.OutboxDelivered, Handoff: h}, nil)
	rec.Delivered(context.Background(), flows.OutboxItem{Kind: flows.OutboxOpen, Status: flows.OutboxDead, Handoff: h, HandoffID: "h1", LastError: "401 Unauthorized"}, nil)
	if got, want := sink.types(), "handoff_delivered handoff_failed"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	d, f := sink.events[0], sink.events[1]
	if d.Ticket != "77" || d.Connector != "zendesk" || d.Attempts != 2 || d.Team != "billing" || d.Priority != "urgent" || !d.At.Equal(now) || d.ID == "" || d.V != 1 {
		t.Errorf("delivered: %+v", d)
	}
	if f.Error != "401 Unauthorized" || f.ID == d.ID {
		t.Errorf("failed: %+v", f)
	}
}

func TestBotRepliesCarryTheObservationTime(t *testing.T) {
	h := newHarness(t)
	sink := &memSink{}
	rec := analytics.NewRecorder(sink)
	in := h.now
	_, err := h.eng.Handle(context.Background(), h.store, "c9", flows.Input{Kind: flows.InputMessage, Text: "hi", At: in}, func() *flows.Session {
		return h.eng.NewSession("c9", flows.Contact{ID: "x"}, "web", "en")
	})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := h.store.Load(context.Background(), "c9")
	rec.ObserveAt(context.Background(), flows.TurnRecord{Before: &flows.Session{}, After: s, Input: flows.Input{Kind: flows.InputMessage, Text: "hi", At: in},
		Effects: []flows.Effect{flows.Reply{Text: "Hello", From: "bot"}}}, in.Add(250*time.Millisecond))
	last := sink.events[len(sink.events)-1]
	if last.Type != flows.EvMessageOut || last.At.Sub(in) != 250*time.Millisecond {
		t.Fatalf("reply event %+v", last)
	}
}

func TestDeriveExpiredAfterAnIdleDay(t *testing.T) {
	h := newHarness(t)
	// No timeouts fire here (the test feeds no timer): the customer just
	// comes back two days later.
	h.in(flows.Input{Kind: flows.InputMessage, Text: "hello"})
	idle := h.now
	h.now = h.now.Add(48 * time.Hour)
	evs := h.in(flows.Input{Kind: flows.InputMessage, Text: "1"})
	if got := types(evs); !strings.HasPrefix(got, "conversation_ended conversation_started message_in state_entered") {
		t.Fatalf("after two idle days: %s", got)
	}
	if end := evs[0]; end.Outcome != flows.OutcomeExpired || !end.At.Equal(idle.Add(analytics.DefaultExpire)) || end.Reason != "expired" {
		t.Errorf("expired end: %+v", end)
	}
}

// An HTTP action's call and answer are events: the method always, the URL
// and the body only with texts; with texts the conversation's start also
// records the variables and the customer's name and metadata it began
// with (what `baton replay` needs to run it again).
func TestDeriveHTTPAndStartForReplay(t *testing.T) {
	const flow = `
flow: shop
languages: [en]
start: lookup
vars: {vip: false}
states:
  lookup:
    http:
      method: GET
      url: "https://shop.example.com/orders/{{ user.name }}"
      save_as: order
    next: done
  done:
    say: "ok"
    end: resolved
`
	for _, text := range []bool{false, true} {
		f, diags := dsl.Load("shop.yaml", []byte(flow))
		if diags.HasErrors() {
			t.Fatal(diags.Err())
		}
		sink := &memSink{}
		rec := analytics.NewRecorder(sink, analytics.WithText(text))
		eng := engine.New(f, engine.WithObserver(rec.Observe))
		st := memory.New()
		create := func() *flows.Session {
			s := eng.NewSession("c1", flows.Contact{ID: "+391234", Name: "Anna", Meta: map[string]string{"plan": "gold"}}, "web", "en")
			s.Vars = map[string]any{"vip": true}
			return s
		}
		at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
		effs, err := eng.Handle(context.Background(), st, "c1", flows.Input{Kind: flows.InputMessage, Text: "hi", At: at}, create)
		if err != nil {
			t.Fatal(err)
		}
		var req flows.HTTPRequest
		for _, e := range effs {
			if r, ok := e.(flows.HTTPRequest); ok {
				req = r
			}
		}
		if _, err := eng.Handle(context.Background(), st, "c1", flows.Input{Kind: flows.InputHTTP, At: at,
			HTTP: &flows.HTTPResult{ID: req.ID, Status: 200, Body: []byte(`{"status":"shipped"}`)}}, create); err != nil {
			t.Fatal(err)
		}
		var start, call, answer *flows.Event
		for i := range sink.events {
			switch e := &sink.events[i]; e.Type {
			case flows.EvConversationStarted:
				start = e
			case flows.EvHTTPRequest:
				call = e
			case flows.EvHTTPResult:
				answer = e
			}
		}
		if start == nil || call == nil || answer == nil {
			t.Fatalf("text %v: events %s", text, sink.types())
		}
		if call.Request != req.ID || call.Method != "GET" || answer.Request != req.ID || answer.Status != 200 || answer.Size != 20 {
			t.Errorf("text %v: call %+v, answer %+v", text, call, answer)
		}
		if text {
			if call.URL != "https://shop.example.com/orders/Anna" || answer.Body != `{"status":"shipped"}` ||
				start.Vars["vip"] != true || start.User == nil || start.User.Name != "Anna" || start.User.Meta["plan"] != "gold" {
				t.Errorf("with texts: url %q, body %q, vars %v, user %+v", call.URL, answer.Body, start.Vars, start.User)
			}
		} else if call.URL != "" || answer.Body != "" || start.Vars != nil || start.User != nil {
			t.Errorf("without texts the events carry what only texts may: %+v %+v %+v", call, answer, start)
		}
	}
}

// A conversation that starts after one with a handoff (closed by its
// solved ticket, or expired after the bot took it back) and ends in its
// first turn, handed to nobody, is contained: the handoff was the
// previous conversation's.
func TestDeriveNewConversationEndingAtOnceIsContained(t *testing.T) {
	const src = `
flow: shop
version: "1"
languages: [en]
start: menu
triggers:
  - name: asks_for_human
    keywords: [agent]
    handoff: {reason: asks_for_human, team: billing, priority: high}
  - name: callback
    keywords: [human]
    handoff: {reason: callback, team: billing, priority: high, return: menu}
  - name: thanks
    keywords: [thanks]
    goto: bye
states:
  menu:
    say: "Pick one"
    menu:
      options:
        - id: bye
          label: Bye
          goto: bye
  bye:
    say: "Bye!"
    end: resolved
`
	f, diags := dsl.Load("shop.yaml", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	for _, c := range []struct {
		name, ask string
		idle      time.Duration // before the customer comes back
		ended     string        // the previous conversation's end, if written on the return
	}{
		{"after a solved ticket closed it", "agent", time.Minute, ""},
		{"after it expired with the bot back", "human", 25 * time.Hour, flows.OutcomeHandedOff},
	} {
		sink := &memSink{}
		now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
		st := memory.New()
		eng := engine.New(f, engine.WithObserver(analytics.NewRecorder(sink).Observe), engine.WithClock(func() time.Time { return now }))
		in := func(in flows.Input) []flows.Event {
			mark := len(sink.events)
			in.At = now
			if _, err := eng.Handle(context.Background(), st, "c1", in, func() *flows.Session {
				return eng.NewSession("c1", flows.Contact{ID: "+391234"}, "whatsapp", "en")
			}); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Minute)
			return sink.events[mark:]
		}
		in(flows.Input{Kind: flows.InputMessage, Text: "hello"})
		in(flows.Input{Kind: flows.InputMessage, Text: c.ask})
		in(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: flows.TicketRef{ID: "42"}, Status: flows.TicketSolved}})
		now = now.Add(c.idle)
		var outcomes []string
		for _, e := range in(flows.Input{Kind: flows.InputMessage, Text: "thanks"}) {
			if e.Type == flows.EvConversationEnded {
				outcomes = append(outcomes, e.Outcome)
			}
		}
		want := []string{flows.OutcomeContained}
		if c.ended != "" {
			want = []string{c.ended, flows.OutcomeContained}
		}
		if strings.Join(outcomes, " ") != strings.Join(want, " ") {
			t.Errorf("%s: the return turn's ends %v, want %v", c.name, outcomes, want)
		}
	}
}

// TestEmitIDs: an event a host emits without an id gets
// conversation:host:{time in ms}:{sequence}, both numbers in base 36, the
// sequence counting the recorder's emitted events.
func TestEmitIDs(t *testing.T) {
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	sink := &memSink{}
	r := analytics.NewRecorder(sink, analytics.WithRecorderClock(func() time.Time { return at }))
	r.Emit(context.Background(), flows.Event{Type: flows.EvHandoffDelivered, Conversation: "whatsapp:1:2"},
		flows.Event{Type: flows.EvHandoffDelivered, Conversation: "web:w:c", ID: "kept"})
	r.Emit(context.Background(), flows.Event{Type: flows.EvHandoffDelivered, Conversation: "whatsapp:1:2"})
	ms := strconv.FormatInt(at.UnixMilli(), 36)
	want := []string{"whatsapp:1:2:host:" + ms + ":1", "kept", "whatsapp:1:2:host:" + ms + ":2"}
	var got []string
	for _, ev := range sink.events {
		got = append(got, ev.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("ids %q, want %q", got, want)
	}
}

// A ticket that took no more messages (deleted by an agent, or closed
// behind the bridge's back) ends the wait as ticket_closed, whose reason
// says which when the helpdesk told: a deletion is not counted as an
// agent's close.
func TestDeriveTicketGoneSaysWhy(t *testing.T) {
	for _, gone := range []string{flows.GoneDeleted, flows.GoneMerged, flows.GoneClosed, ""} {
		h := newHarness(t)
		h.in(flows.Input{Kind: flows.InputMessage, Text: "hello"})
		h.in(flows.Input{Kind: flows.InputMessage, Text: "agent please"})
		h.now = h.now.Add(time.Minute)
		refused, into := h.now.Add(-30*time.Second), ""
		if gone == flows.GoneMerged {
			into = "43"
		}
		evs := h.in(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: flows.TicketRef{Connector: "zendesk", ID: "42"}, Status: flows.TicketClosed, Gone: gone,
			Refused: refused, MergedInto: into}})
		if len(evs) == 0 || evs[0].Type != flows.EvTicketClosed || evs[0].Reason != gone {
			t.Errorf("gone %q: events %s (reason %q); want ticket_closed first, with reason %q", gone, types(evs), evs[0].Reason, gone)
		}
		// What baton replay needs to close it the same way.
		if len(evs) > 0 && (!evs[0].Refused.Equal(refused) || evs[0].MergedInto != into) {
			t.Errorf("gone %q: refused %s, merged_into %q; want %s, %q", gone, evs[0].Refused, evs[0].MergedInto, refused, into)
		}
	}
}

// A tap on a button a channel sent as an option's token (its id was too
// long for the channel's buttons) is the message_in of that option: its
// choice and text are the option's id, as for any other tap.
func TestDeriveTokenTap(t *testing.T) {
	long := strings.Repeat("goodbye_and_thanks_", 4)
	f, diags := dsl.Load("shop.yaml", []byte(strings.Replace(testFlow, "id: bye", "id: "+long, 1)))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	h := &harness{t: t, sink: &memSink{}, now: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)}
	rec := analytics.NewRecorder(h.sink, analytics.WithText(true))
	h.store = memory.New()
	h.eng = engine.New(f, engine.WithObserver(rec.Observe), engine.WithClock(func() time.Time { return h.now }))
	h.in(flows.Input{Kind: flows.InputMessage, Text: "hello"})
	evs := h.in(flows.Input{Kind: flows.InputMessage, Payload: flows.OptionToken(long)})
	if len(evs) == 0 || evs[0].Type != flows.EvMessageIn {
		t.Fatalf("events %s", types(evs))
	}
	if in := evs[0]; in.Kind != "button" || in.Choice != long || in.Text != long {
		t.Errorf("message_in %+v, want the button's choice and text %q", in, long)
	}
}
