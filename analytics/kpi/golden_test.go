package kpi_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/analytics/kpi"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

// goldenFlow is a small support bot: a menu, an FAQ followed by an NPS
// survey, a handoff that returns to a CSAT survey, a no-reply timeout.
const goldenFlow = `
flow: golden
version: "3"
languages: [en]
start: menu
vars: {nps: 0, csat: 0}
timeouts:
  - after: 30m
    end: no_reply
triggers:
  - name: asks_for_human
    keywords: [agent]
    goto: transfer
states:
  menu:
    say: Hi! Pick one.
    menu:
      options:
        - {id: faq, label: FAQ, goto: faq}
        - {id: human, label: Human, goto: transfer}
  faq:
    say: Here is the answer.
    menu:
      options:
        - {id: done, label: Done, goto: nps}
        - {id: more, label: More, goto: menu}
  nps:
    survey: {kind: nps, question: "From 0 to 10?", save_as: nps, skip: bye}
    next: bye
  transfer:
    handoff: {reason: "{{ trigger }}", team: support, return: csat}
  csat:
    survey: {kind: csat, question: "From 1 to 5?", save_as: csat, skip: bye}
    next: bye
  bye:
    say: Bye!
    end: resolved
`

// world runs scripted conversations through the real engine and store,
// with a clock the script moves, and records their analytics events.
type world struct {
	t     *testing.T
	eng   *engine.Engine
	store *memory.Store
	rec   *analytics.Recorder
	sink  *sliceSink
	now   time.Time
}

type sliceSink struct{ events []flows.Event }

func (s *sliceSink) Write(_ context.Context, evs ...flows.Event) error {
	s.events = append(s.events, evs...)
	return nil
}
func (s *sliceSink) Close() error { return nil }

func newWorld(t *testing.T, start time.Time) *world {
	f, diags := dsl.Load("golden.yaml", []byte(goldenFlow))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	w := &world{t: t, sink: &sliceSink{}, now: start}
	w.rec = analytics.NewRecorder(w.sink, analytics.WithRecorderClock(func() time.Time { return w.now }))
	w.store = memory.New(memory.WithClock(func() time.Time { return w.now }))
	// Routing stamps the SLA: a first reply within 1 hour, a resolution
	// within 4.
	hook := func(_ context.Context, _ *flows.Session, h *flows.Handoff) error {
		h.FirstResponseDue = h.CreatedAt.Add(time.Hour)
		h.ResolutionDue = h.CreatedAt.Add(4 * time.Hour)
		return nil
	}
	w.eng = engine.New(f, engine.WithObserver(w.rec.Observe), engine.WithClock(func() time.Time { return w.now }), engine.WithHandoffHook(hook))
	return w
}

// conv is one scripted conversation.
type conv struct {
	w       *world
	id      string
	contact string
}

func (w *world) conv(id, contact string, at time.Time) *conv {
	w.at(at)
	return &conv{w: w, id: id, contact: contact}
}

// at moves the clock to t, firing the timers due meanwhile.
func (w *world) at(t time.Time) {
	w.t.Helper()
	for {
		due, err := w.store.Due(context.Background(), t, 1)
		if err != nil {
			w.t.Fatal(err)
		}
		if len(due) == 0 {
			break
		}
		w.now = due[0].At
		w.handle(due[0].ConversationID, "", flows.Input{Kind: flows.InputTimer, Timer: due[0].Key, At: due[0].At})
	}
	w.now = t
}

func (w *world) handle(id, contact string, in flows.Input) {
	w.t.Helper()
	_, err := w.eng.Handle(context.Background(), w.store, id, in, func() *flows.Session {
		return w.eng.NewSession(id, flows.Contact{ID: contact}, "whatsapp", "en")
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// say sends a customer message d after the clock.
func (c *conv) say(d time.Duration, text string) *conv {
	c.w.at(c.w.now.Add(d))
	c.w.handle(c.id, c.contact, flows.Input{Kind: flows.InputMessage, Text: text})
	return c
}

func (c *conv) agent(d time.Duration, text string) *conv {
	c.w.at(c.w.now.Add(d))
	c.w.handle(c.id, c.contact, flows.Input{Kind: flows.InputAgent, Text: text, Agent: "marco"})
	return c
}

func (c *conv) solved(d time.Duration) *conv {
	c.w.at(c.w.now.Add(d))
	c.w.handle(c.id, c.contact, flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Status: flows.TicketSolved}})
	return c
}

// delivered reports the handoff's ticket opened, as a host's delivery
// worker does.
func (c *conv) delivered(ticket string) *conv {
	s, err := c.w.store.Load(context.Background(), c.id)
	if err != nil || s.Handoff == nil {
		c.w.t.Fatalf("%s has no open handoff", c.id)
	}
	h := &flows.Handoff{ID: s.Handoff.ID, ConversationID: c.id, Flow: "golden", Channel: "whatsapp", Language: "en", Team: s.Handoff.Team,
		Priority: s.Handoff.Priority, Contact: flows.Contact{ID: c.contact}}
	c.w.rec.Delivered(context.Background(), flows.OutboxItem{Kind: flows.OutboxOpen, Status: flows.OutboxDelivered, Handoff: h, HandoffID: h.ID,
		ConversationID: c.id, Attempts: 1, Ticket: flows.TicketRef{Connector: "zendesk", ID: ticket}}, nil)
	return c
}

// goldenEvents scripts the conversations of the golden test: contained
// ones with NPS answers (a promoter, a detractor, a passive-free skip), an
// abandoned one, two escalations (one answered within the SLA and solved
// with CSAT 5, one whose first reply breached the SLA, CSAT 2), and a
// repeat contact within the first-contact-resolution window.
func goldenEvents(t *testing.T) []flows.Event {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday
	w := newWorld(t, t0)
	m := time.Minute
	// A: contained, NPS 10 (promoter).
	w.conv("A", "cA", t0).say(0, "hi").say(m, "1").say(m, "1").say(m, "10")
	// B: contained after one message the menu did not understand, NPS 3
	// (detractor).
	w.conv("B", "cB", t0.Add(time.Hour)).say(0, "hello").say(m, "blah").say(m, "1").say(m, "1").say(m, "3")
	// C: the customer never answers the menu: the no-reply timeout ends
	// it at 11:30, abandoned in state menu.
	w.conv("C", "cC", t0.Add(2*time.Hour)).say(0, "hi")
	// D: asks for an agent at 12:01, first reply 10 minutes later (due
	// 13:01: within the SLA), solved at 13:01, CSAT 5.
	d := w.conv("D", "cD", t0.Add(3*time.Hour)).say(0, "hi").say(m, "agent please").delivered("101")
	d.agent(10*m, "Hi, Marco here").solved(50*m).say(m, "5")
	// E: picks "Human" at 13:01, first reply at 15:01 (2 hours: the SLA
	// is breached), solved at 16:01 (3 hours, within the 4-hour
	// resolution SLA), CSAT 2.
	e := w.conv("E", "cE", t0.Add(4*time.Hour)).say(0, "hi").say(m, "2").delivered("102")
	e.agent(2*time.Hour, "Sorry for the wait").solved(time.Hour).say(m, "2")
	// F: A's customer again two days later about the FAQ (a repeat
	// within 7 days), declines the NPS question.
	w.conv("F", "cA", t0.Add(48*time.Hour)).say(0, "hi").say(m, "1").say(m, "1").say(m, "no thanks")
	// G: ten days on, NPS 9 (promoter).
	w.conv("G", "cG", t0.Add(240*time.Hour)).say(0, "hi").say(m, "1").say(m, "1").say(m, "9")
	return w.sink.events
}

func compute(events []flows.Event, o kpi.Options) *kpi.Result {
	c := kpi.New(o)
	for i := range events {
		c.Add(&events[i])
	}
	c.Close()
	return c.Result()
}

// near allows for the rounding of rates to 4 decimals and scores to 2.
func near(a, b float64) bool { return math.Abs(a-b) <= 5e-5+1.5e-4*math.Abs(b) }

func TestGoldenKPIs(t *testing.T) {
	events := goldenEvents(t)
	r := compute(events, kpi.Options{})
	// Figures computed by hand from the script above.
	const convs = 7 // A..G
	checks := []struct {
		name      string
		got, want float64
	}{
		{"conversations", float64(r.Conversations), convs},
		{"open", float64(r.Open), 0},
		{"contained (A, B, F, G)", float64(r.Outcomes["contained"]), 4},
		{"handed off (D, E)", float64(r.Outcomes["handed_off"]), 2},
		{"abandoned (C)", float64(r.Outcomes["abandoned"]), 1},
		{"containment 4/7", r.ContainmentRate, 4.0 / 7},
		{"escalation 2/7", r.EscalationRate, 2.0 / 7},
		{"escalations asks_for_human", float64(r.EscalationsByReason["asks_for_human"]), 1},
		{"escalations menu", float64(r.EscalationsByReason["menu"]), 1},
		// Messages to the bot: A 4, B 5, C 1, D 3, E 3, F 4, G 4.
		{"messages in", float64(r.MessagesIn), 24},
		{"fallback 1/24", r.FallbackRate, 1.0 / 24},
		{"turns 24/7", r.Turns.Average, 24.0 / 7},
		{"turns before handoff (2 and 2)", r.Turns.BeforeHandoff, 2},
		{"time to handoff (60s, 60s)", r.TimeToHandoff.Average, 60},
		{"first response p50 (600s, 7200s)", r.FirstResponse.P50, 600},
		{"first response p90", r.FirstResponse.P90, 7200},
		{"first response within SLA 1/2", *r.FirstResponse.WithinSLA, 0.5},
		{"SLA breaches", float64(r.Handoffs.SLABreaches), 1},
		{"resolution p50 (3600s, 10800s)", r.Resolution.P50, 3600},
		{"resolution p90", r.Resolution.P90, 10800},
		{"resolution within SLA", *r.Resolution.WithinSLA, 1},
		{"handoffs requested", float64(r.Handoffs.Requested), 2},
		{"handoffs delivered", float64(r.Handoffs.Delivered), 2},
		// CSAT: D 5, E 2: one of two is a 4 or 5.
		{"CSAT 50%", *r.CSAT.Score, 50},
		{"CSAT responses", float64(r.CSAT.Responses), 2},
		{"CSAT response rate", *r.CSAT.ResponseRate, 1},
		// NPS: A 10, B 3, G 9 answered, F declined: (2 - 1) / 3.
		{"NPS +33.33", *r.NPS.Score, 100.0 / 3},
		{"NPS responses", float64(r.NPS.Responses), 3},
		{"NPS asked", float64(r.NPS.Asked), 4},
		{"NPS response rate 3/4", *r.NPS.ResponseRate, 0.75},
		{"NPS detractors", float64(r.NPS.Detractors), 1},
		// FCR: A came back (F) within 7 days; B, D, E, F settled
		// resolved; G's window is still open.
		{"FCR rate 4/5", *r.FCR.Rate, 0.8},
		{"FCR repeated", float64(r.FCR.Repeated), 1},
		{"FCR pending", float64(r.FCR.Pending), 1},
		{"volume 09h (A, F, G)", float64(r.VolumeByHour[9]), 3},
		{"volume 13h (E)", float64(r.VolumeByHour[13]), 1},
		{"volume Monday", float64(r.VolumeByWeekday[0]), 5},
		{"volume Wednesday", float64(r.VolumeByWeekday[2]), 1},
		{"volume Thursday", float64(r.VolumeByWeekday[3]), 1},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if r.CES.Score != nil || r.CES.Responses != 0 {
		t.Errorf("CES: %+v, want no responses", r.CES)
	}
	funnel := map[string]kpi.FunnelState{}
	for _, s := range r.Funnel {
		funnel[s.State] = s
	}
	wantFunnel := map[string]kpi.FunnelState{
		"menu":     {Entered: 7, Left: 6, Dropped: 1},
		"faq":      {Entered: 4, Left: 4},
		"nps":      {Entered: 4, Left: 4},
		"transfer": {Entered: 2, Left: 2, HandedOff: 2},
		"csat":     {Entered: 2, Left: 2},
		"bye":      {Entered: 6, Ended: 6},
	}
	for name, w := range wantFunnel {
		g := funnel[name]
		if g.Entered != w.Entered || g.Left != w.Left || g.Dropped != w.Dropped || g.Ended != w.Ended || g.HandedOff != w.HandedOff {
			t.Errorf("funnel %s = %+v, want %+v", name, g, w)
		}
	}
	if len(r.FirstResponse.ByTeam) != 1 || r.FirstResponse.ByTeam[0].Team != "support" || r.FirstResponse.ByTeam[0].Priority != "normal" || r.FirstResponse.ByTeam[0].Breached != 1 {
		t.Errorf("first response by team: %+v", r.FirstResponse.ByTeam)
	}
	if b, _ := json.Marshal(r); len(b) == 0 {
		t.Error("the result does not encode")
	}
}

func TestFilters(t *testing.T) {
	events := goldenEvents(t)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	// The first day only: A..E.
	r := compute(events, kpi.Options{From: t0, To: t0.Add(24 * time.Hour)})
	if r.Conversations != 5 || r.Outcomes["contained"] != 2 || r.NPS.Responses != 2 {
		t.Errorf("period: %d conversations, %v, NPS %d", r.Conversations, r.Outcomes, r.NPS.Responses)
	}
	// Another team: no handoffs, no CSAT of that team.
	r = compute(events, kpi.Options{Team: "billing"})
	if r.Handoffs.Requested != 0 || r.CSAT.Responses != 0 || r.FirstResponse.Count != 0 {
		t.Errorf("team billing: %+v %+v", r.Handoffs, r.CSAT)
	}
	r = compute(events, kpi.Options{Team: "support"})
	if r.Handoffs.Requested != 2 || r.CSAT.Responses != 2 || r.NPS.Responses != 0 {
		t.Errorf("team support: %+v CSAT %d NPS %d", r.Handoffs, r.CSAT.Responses, r.NPS.Responses)
	}
	if r := compute(events, kpi.Options{Channel: "telegram"}); r.Conversations != 0 || r.Events != int64(len(events)) {
		t.Errorf("channel telegram: %d conversations", r.Conversations)
	}
	if r := compute(events, kpi.Options{Flow: "golden", Lang: "en"}); r.Conversations != 7 {
		t.Errorf("flow and lang: %d conversations", r.Conversations)
	}
}
