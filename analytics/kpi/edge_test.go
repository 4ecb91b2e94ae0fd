package kpi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/batonbot/baton/analytics/kpi"
	"github.com/batonbot/baton/flows"
)

// ev builds one event by hand for the edge cases below.
func ev(typ flows.EventType, conv string, at time.Time, fill ...func(*flows.Event)) flows.Event {
	e := flows.Event{V: 1, Type: typ, At: at, Conversation: conv, Contact: "c" + conv, Flow: "f", Channel: "web", Lang: "en"}
	for _, f := range fill {
		f(&e)
	}
	return e
}

func TestTeamFilterEscalationRate(t *testing.T) {
	events := goldenEvents(t)
	// Both handoffs of the golden script go to support: with --team
	// billing there is no escalation, with --team support the rate is
	// the unfiltered one (D and E of 7).
	r := compute(events, kpi.Options{Team: "billing"})
	if r.EscalationRate != 0 || r.TimeToHandoff.Count != 0 || r.Turns.BeforeHandoff != 0 {
		t.Errorf("team billing: escalation rate %v, time to handoff %+v, turns before handoff %v, want none",
			r.EscalationRate, r.TimeToHandoff, r.Turns.BeforeHandoff)
	}
	for _, b := range r.Series {
		if b.Escalated != 0 {
			t.Errorf("team billing: series bucket %s has %d escalated, want 0", b.Start, b.Escalated)
		}
	}
	r = compute(events, kpi.Options{Team: "support"})
	if !near(r.EscalationRate, 2.0/7) || r.TimeToHandoff.Count != 2 {
		t.Errorf("team support: escalation rate %v, time to handoff %+v, want 2/7 and 2", r.EscalationRate, r.TimeToHandoff)
	}
}

// A handoff left unanswered past its due time for longer than Expire is
// counted as a breach when its conversation is settled; the first reply
// that comes later is the same breach, not a second one.
func TestLateReplyAfterExpiryIsOneBreach(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	due := t0.Add(time.Hour)
	ho, opening := handedOff(t0, due)
	events := append(opening,
		// Other traffic a day later settles X (idle past Expire).
		ev(flows.EvConversationStarted, "Y", t0.Add(25*time.Hour)),
		ev(flows.EvConversationEnded, "Y", t0.Add(25*time.Hour), func(e *flows.Event) { e.Outcome = flows.OutcomeContained }),
		// The first reply, 26 hours after the handoff.
		ev(flows.EvFirstAgentReply, "X", t0.Add(26*time.Hour), ho, func(e *flows.Event) { e.WaitMS = (26 * time.Hour).Milliseconds() }),
	)
	r := compute(events, kpi.Options{})
	if r.FirstResponse.Breached != 1 || r.Handoffs.SLABreaches != 1 || r.FirstResponse.Count != 1 || r.FirstResponse.WithinSLA == nil || *r.FirstResponse.WithinSLA != 0 {
		t.Errorf("first response: %d breached (%d SLA breaches), %d answered, within SLA %v; want 1 breach, 1 answered, 0",
			r.FirstResponse.Breached, r.Handoffs.SLABreaches, r.FirstResponse.Count, r.FirstResponse.WithinSLA)
	}
	if len(r.FirstResponse.ByTeam) != 1 || r.FirstResponse.ByTeam[0].Breached != 1 {
		t.Errorf("first response by team: %+v, want one row with 1 breach", r.FirstResponse.ByTeam)
	}
}

// An event counts when it happened in the period: a first reply, a
// resolution and a survey answer just after --from count whether or not
// the data holds the start of their conversation, before --from.
func TestPeriodCountsEventsOfConversationsStartedBefore(t *testing.T) {
	from := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)
	t0 := from.Add(-10 * time.Minute)
	due := t0.Add(time.Hour)
	ho, opening := handedOff(t0, due)
	five := 5
	events := append(opening,
		// In the period:
		ev(flows.EvFirstAgentReply, "X", from.Add(10*time.Minute), ho, func(e *flows.Event) { e.WaitMS = (20 * time.Minute).Milliseconds() }),
		ev(flows.EvTicketSolved, "X", from.Add(30*time.Minute), ho, func(e *flows.Event) { e.WaitMS = (40 * time.Minute).Milliseconds() }),
		ev(flows.EvSurveyAsked, "X", from.Add(30*time.Minute), func(e *flows.Event) { e.Survey, e.Kind = "csat", "csat" }),
		ev(flows.EvSurveyAnswered, "X", from.Add(31*time.Minute), func(e *flows.Event) { e.Survey, e.Kind, e.Score = "csat", "csat", &five }),
		ev(flows.EvConversationEnded, "X", from.Add(31*time.Minute), func(e *flows.Event) { e.Outcome = flows.OutcomeHandedOff }),
	)
	// (Without the conversation's start, its surveys' team is unknown.)
	for _, c := range []struct {
		team, data string
		events     []flows.Event
	}{{"", "whole", events}, {"", "from the period", events[4:]}, {"support", "whole", events}} {
		r := compute(c.events, kpi.Options{From: from, Team: c.team})
		if r.Conversations != 0 || r.FirstResponse.Count != 1 || r.Resolution.Count != 1 || r.CSAT.Responses != 1 || r.CSAT.Asked != 1 {
			t.Errorf("team %q, %s data: %d conversations, %d first responses, %d resolutions, CSAT %d of %d asked; want 0, 1, 1, 1 of 1",
				c.team, c.data, r.Conversations, r.FirstResponse.Count, r.Resolution.Count, r.CSAT.Responses, r.CSAT.Asked)
		}
	}
}

// Over more than three days the series is daily: a day is one bucket
// even when its events' offsets differ, as on a DST change (each event
// in its host's own offset, no --tz).
func TestDailySeriesAcrossDST(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	var events []flows.Event
	for i, at := range []time.Time{
		time.Date(2026, 3, 25, 10, 0, 0, 0, rome),
		time.Date(2026, 3, 29, 1, 0, 0, 0, rome),  // +01:00
		time.Date(2026, 3, 29, 10, 0, 0, 0, rome), // +02:00
		time.Date(2026, 3, 29, 11, 0, 0, 0, rome),
	} {
		// As read from a file: a fixed offset, no zone.
		_, off := at.Zone()
		at = at.In(time.FixedZone("", off))
		id := string(rune('A' + i))
		events = append(events, ev(flows.EvConversationStarted, id, at),
			ev(flows.EvConversationEnded, id, at, func(e *flows.Event) { e.Outcome = flows.OutcomeContained }))
	}
	for _, loc := range []*time.Location{nil, rome} {
		r := compute(events, kpi.Options{Location: loc})
		var got []string
		for _, b := range r.Series {
			got = append(got, fmt.Sprintf("%s:%d", b.Start.Format(time.DateOnly), b.Conversations))
		}
		if want := []string{"2026-03-25:1", "2026-03-29:3"}; !slices.Equal(got, want) {
			t.Errorf("--tz %v: series %v, want %v", loc != nil, got, want)
		}
	}
}

// An empty window is the same JSON shape as a busy one: lists are empty
// lists, not null, for the machines that read --json.
func TestEmptyResultListsAreEmptyNotNull(t *testing.T) {
	b, err := json.Marshal(compute(nil, kpi.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"funnel", "series", "escalations_by_reason", "outcomes"} {
		if string(m[k]) == "null" || m[k] == nil {
			t.Errorf("%s = %s, want an empty list or object", k, m[k])
		}
	}
}

// Conversations settled together (idle past Expire) are counted in the
// order they started, so the same events give the same report every
// time: here the later one is the earlier one's repeat.
func TestSettledTogetherInStartOrder(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	conv := func(id string, at time.Time) []flows.Event {
		return []flows.Event{
			ev(flows.EvConversationStarted, id, at, func(e *flows.Event) { e.Contact = "c" }),
			ev(flows.EvMessageIn, id, at, func(e *flows.Event) { e.Contact, e.To, e.Intent = "c", "bot", "refund" }),
			ev(flows.EvHandoffRequested, id, at, func(e *flows.Event) { e.Contact, e.Handoff, e.Team, e.Reason = "c", id+"-h", "support", "refund" }),
		}
	}
	events := append(conv("Y", t0), conv("X", t0.Add(2*time.Minute))...)
	events = append(events, ev(flows.EvConversationStarted, "Z", t0.Add(2*time.Hour)))
	o := kpi.Options{AbandonAfter: time.Minute, Expire: time.Minute}
	for range 30 {
		r := compute(events, o)
		if r.FCR.Repeated != 1 || r.FCR.Resolved != 0 || r.FCR.Pending != 1 {
			t.Fatalf("FCR %+v; want X a repeat of Y (settled at 10:01), X pending", r.FCR)
		}
	}
}

// The funnel is not split by team (docs/analytics.md): with --team, a
// state's handoffs to every team still show, like its ends and drops.
func TestTeamFilterKeepsTheFunnel(t *testing.T) {
	events := goldenEvents(t)
	all := compute(events, kpi.Options{})
	billing := compute(events, kpi.Options{Team: "billing"})
	if len(all.Funnel) != len(billing.Funnel) {
		t.Fatalf("funnel of %d states with --team billing, %d without", len(billing.Funnel), len(all.Funnel))
	}
	for i := range all.Funnel {
		if all.Funnel[i] != billing.Funnel[i] {
			t.Errorf("funnel with --team billing: %+v, without: %+v", billing.Funnel[i], all.Funnel[i])
		}
	}
}

// A ticket solved (or closed) with no agent reply, after its
// first-response due time, was never answered in time: a breach of the
// first-response SLA. One solved before the due time with no reply is
// neither on time nor late.
func TestTicketSolvedUnansweredPastDueIsABreach(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	due := t0.Add(time.Hour)
	for _, tc := range []struct {
		solved   time.Duration
		typ      flows.EventType
		breached int
	}{
		{3 * time.Hour, flows.EvTicketSolved, 1},
		{2 * time.Hour, flows.EvTicketClosed, 1},
		{30 * time.Minute, flows.EvTicketSolved, 0},
	} {
		_, opening := handedOff(t0, due)
		events := append(opening,
			ev(tc.typ, "X", t0.Add(tc.solved), func(e *flows.Event) {
				e.Handoff, e.Team, e.Priority, e.Ticket, e.WaitMS = "h1", "support", "normal", "4001", tc.solved.Milliseconds()
			}),
			ev(flows.EvConversationEnded, "X", t0.Add(tc.solved), func(e *flows.Event) { e.Outcome, e.Reason = flows.OutcomeHandedOff, "ticket_solved" }),
		)
		r := compute(events, kpi.Options{})
		if r.FirstResponse.Breached != tc.breached || r.Handoffs.SLABreaches != tc.breached || r.FirstResponse.Count != 0 {
			t.Errorf("%s after %v unanswered: %d breached (%d SLA breaches), %d answered; want %d, 0 answered",
				tc.typ, tc.solved, r.FirstResponse.Breached, r.Handoffs.SLABreaches, r.FirstResponse.Count, tc.breached)
		}
		if tc.breached == 1 && (r.FirstResponse.WithinSLA == nil || *r.FirstResponse.WithinSLA != 0 ||
			len(r.FirstResponse.ByTeam) != 1 || r.FirstResponse.ByTeam[0].Breached != 1) {
			t.Errorf("%s: within SLA %v, by team %+v; want 0 and one row with 1 breach", tc.typ, r.FirstResponse.WithinSLA, r.FirstResponse.ByTeam)
		}
	}
}

// handedOff is the opening of conversation X handed off at t0 to team
// support, its first reply due at due: the events, and the handoff's
// fields for later events of the same handoff.
func handedOff(t0, due time.Time) (ho func(*flows.Event), opening []flows.Event) {
	ho = func(e *flows.Event) {
		e.Handoff, e.Team, e.Priority, e.Reason, e.State, e.FirstResponseDue = "h1", "support", "normal", "menu", "transfer", due
	}
	return ho, []flows.Event{
		ev(flows.EvConversationStarted, "X", t0),
		ev(flows.EvMessageIn, "X", t0, func(e *flows.Event) { e.To, e.Size = "bot", 2 }),
		ev(flows.EvStateEntered, "X", t0, func(e *flows.Event) { e.State = "transfer" }),
		ev(flows.EvHandoffRequested, "X", t0, ho),
	}
}

// A handoff still waiting for its first reply at the end of the data,
// past its due time, is a breach already: the report run at the end of
// the day counts it, though its conversation is still open. One not yet
// due is neither on time nor late.
func TestOpenHandoffWaitingPastDueIsABreach(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	due := t0.Add(time.Hour)
	for _, tc := range []struct {
		last     time.Duration // the last event of the data, after t0
		breached int
	}{
		{8 * time.Hour, 1},
		{30 * time.Minute, 0},
	} {
		_, opening := handedOff(t0, due)
		events := append(opening,
			ev(flows.EvConversationStarted, "Y", t0.Add(tc.last)),
			ev(flows.EvConversationEnded, "Y", t0.Add(tc.last), func(e *flows.Event) { e.Outcome = flows.OutcomeContained }),
		)
		r := compute(events, kpi.Options{})
		if r.Open != 1 || r.FirstResponse.Breached != tc.breached || r.Handoffs.SLABreaches != tc.breached {
			t.Errorf("data until %v after the handoff: %d open, %d breached (%d SLA breaches); want 1 open, %d breached",
				tc.last, r.Open, r.FirstResponse.Breached, r.Handoffs.SLABreaches, tc.breached)
		}
		if tc.breached == 1 && (r.FirstResponse.WithinSLA == nil || *r.FirstResponse.WithinSLA != 0 ||
			len(r.FirstResponse.ByTeam) != 1 || r.FirstResponse.ByTeam[0].Breached != 1) {
			t.Errorf("within SLA %v, by team %+v; want 0 and one row with 1 breach", r.FirstResponse.WithinSLA, r.FirstResponse.ByTeam)
		}
		if tc.breached == 0 && r.FirstResponse.WithinSLA != nil {
			t.Errorf("not yet due: within SLA %v, want none", *r.FirstResponse.WithinSLA)
		}
	}
}

// An answer off its survey's scale (a CSAT 7, from a hand-edited or
// foreign file) is no answer: the headline leaves it out, and so does the
// series the charts draw CSAT over time from.
func TestSurveyScoreOffScaleCountsNowhere(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	var events []flows.Event
	for i, s := range []int{5, 7, 0} {
		id := string(rune('A' + i))
		events = append(events, ev(flows.EvConversationStarted, id, t0),
			ev(flows.EvSurveyAsked, id, t0, func(e *flows.Event) { e.Survey, e.Kind = "csat", "csat" }),
			ev(flows.EvSurveyAnswered, id, t0, func(e *flows.Event) { e.Survey, e.Kind, e.Score = "csat", "csat", &s }),
			ev(flows.EvConversationEnded, id, t0, func(e *flows.Event) { e.Outcome = flows.OutcomeContained }))
	}
	r := compute(events, kpi.Options{})
	if r.CSAT.Responses != 1 || r.CSAT.Score == nil || *r.CSAT.Score != 100 {
		t.Errorf("CSAT: %d responses, score %v; want 1 and 100", r.CSAT.Responses, r.CSAT.Score)
	}
	if len(r.Series) != 1 || r.Series[0].CSATResponses != 1 || r.Series[0].CSATSatisfied != 1 {
		t.Errorf("series: %+v, want one bucket with 1 CSAT response, satisfied", r.Series)
	}
}

// A message the bot answered with a handoff (no reply of its own: the
// transfer said nothing) is not waiting for the bot any more: the bot's
// next reply, once the ticket is solved and it takes the conversation
// back an hour later, is not a bot response time of an hour.
func TestBotResponseEndsAtAHandoff(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	ho, opening := handedOff(t0, t0.Add(time.Hour))
	events := append(opening,
		ev(flows.EvFirstAgentReply, "X", t0.Add(5*time.Minute), ho, func(e *flows.Event) { e.WaitMS = (5 * time.Minute).Milliseconds() }),
		ev(flows.EvMessageOut, "X", t0.Add(5*time.Minute), func(e *flows.Event) { e.From, e.Agent, e.Size = "agent", "marco", 10 }),
		ev(flows.EvTicketSolved, "X", t0.Add(time.Hour), ho, func(e *flows.Event) { e.WaitMS = time.Hour.Milliseconds() }),
		ev(flows.EvBotResumed, "X", t0.Add(time.Hour), ho),
		ev(flows.EvMessageOut, "X", t0.Add(time.Hour), func(e *flows.Event) { e.From, e.Size = "bot", 12 }),
		ev(flows.EvConversationEnded, "X", t0.Add(time.Hour+time.Minute), func(e *flows.Event) { e.Outcome = flows.OutcomeHandedOff }),
	)
	r := compute(events, kpi.Options{})
	if r.BotResponse.Count != 0 {
		t.Errorf("bot response: %+v; want none (the only customer message was answered by the handoff)", r.BotResponse)
	}
}

// An idle conversation's outcome follows from its own events, not from
// when other traffic made the computer sweep: each case is computed alone
// and with another customer's conversation in between (which moves the
// sweep), and X's outcome must be the one given both times.
func TestIdleOutcomeDoesNotDependOnTheSweep(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	in := func(e *flows.Event) { e.Kind, e.To, e.Size = "text", "bot", 5 }
	bot := func(e *flows.Event) { e.From, e.Size = "bot", 12 }
	ended := func(outcome, reason string) func(*flows.Event) {
		return func(e *flows.Event) { e.Outcome, e.Reason = outcome, reason }
	}
	// opening: X starts, the customer writes, the bot answers (its reply
	// stamped a second later, when the turn was saved) and waits.
	opening := []flows.Event{
		ev(flows.EvConversationStarted, "X", t0),
		ev(flows.EvMessageIn, "X", t0, in),
		ev(flows.EvMessageOut, "X", t0.Add(time.Second), bot),
	}
	for _, tc := range []struct {
		name    string
		o       kpi.Options
		later   []flows.Event // X's events after the opening
		traffic time.Duration // when the other conversation happens
		want    map[string]int
	}{
		{
			// The customer is back the next day: the host ends X as
			// expired, written at its expiry (a day after its last save),
			// and starts it again. The bot spoke last: abandoned, as the
			// sweep counts it when other traffic comes first.
			name: "back after the host's expiry",
			later: []flows.Event{
				ev(flows.EvConversationEnded, "X", t0.Add(24*time.Hour), ended(flows.OutcomeExpired, "expired")),
				ev(flows.EvConversationStarted, "X", t0.Add(30*time.Hour)),
				ev(flows.EvMessageIn, "X", t0.Add(30*time.Hour), in),
				ev(flows.EvConversationEnded, "X", t0.Add(30*time.Hour+time.Minute), ended(flows.OutcomeContained, "resolved")),
			},
			traffic: 25 * time.Hour,
			want:    map[string]int{flows.OutcomeAbandoned: 1, flows.OutcomeContained: 1},
		},
		{
			// --expire 2h: idle 2 hours, X is counted (abandoned: the bot
			// spoke last); the customer's answer 10 minutes after that
			// does not bring it back, whether or not a sweep ran since.
			name: "an answer after --expire",
			o:    kpi.Options{Expire: 2 * time.Hour},
			later: []flows.Event{
				ev(flows.EvMessageIn, "X", t0.Add(2*time.Hour+10*time.Minute), in),
				ev(flows.EvConversationEnded, "X", t0.Add(2*time.Hour+11*time.Minute), ended(flows.OutcomeContained, "resolved")),
			},
			traffic: 110 * time.Minute,
			want:    map[string]int{flows.OutcomeAbandoned: 1},
		},
		{
			// A new start of X with no end before it (an end lost), a
			// day later: X was idle past --expire, abandoned.
			name: "started again with no end",
			later: []flows.Event{
				ev(flows.EvConversationStarted, "X", t0.Add(24*time.Hour+30*time.Minute)),
				ev(flows.EvMessageIn, "X", t0.Add(24*time.Hour+30*time.Minute), in),
				ev(flows.EvConversationEnded, "X", t0.Add(24*time.Hour+31*time.Minute), ended(flows.OutcomeContained, "resolved")),
			},
			traffic: 23*time.Hour + 45*time.Minute,
			want:    map[string]int{flows.OutcomeAbandoned: 1, flows.OutcomeContained: 1},
		},
	} {
		alone := append(slices.Clone(opening), tc.later...)
		// The other customer's conversation, written between X's opening
		// and the rest of X's events.
		at := t0.Add(tc.traffic)
		with := append(slices.Clone(opening),
			ev(flows.EvConversationStarted, "Y", at),
			ev(flows.EvConversationEnded, "Y", at, ended(flows.OutcomeContained, "resolved")))
		with = append(with, tc.later...)
		for _, run := range []struct {
			name   string
			events []flows.Event
			plus   int // Y, contained
		}{{"alone", alone, 0}, {"with traffic", with, 1}} {
			r := compute(run.events, tc.o)
			want := map[string]int{flows.OutcomeContained: 0, flows.OutcomeHandedOff: 0, flows.OutcomeAbandoned: 0, flows.OutcomeExpired: 0}
			for k, v := range tc.want {
				want[k] = v
			}
			want[flows.OutcomeContained] += run.plus
			if fmt.Sprint(r.Outcomes) != fmt.Sprint(want) {
				t.Errorf("%s, %s: outcomes %v, want %v", tc.name, run.name, r.Outcomes, want)
			}
		}
	}
}

// The CSAT asked after a ticket solved is the surveys of the team the
// conversation was handed to, however long the ticket took: a
// conversation idle past --expire while its ticket is open is counted
// (handed off), and its survey afterwards still counts for --team.
func TestTeamSurveyAfterASlowTicket(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	csat := func(score int) func(*flows.Event) {
		return func(e *flows.Event) { e.Survey, e.Kind, e.Score = "csat", "csat", &score }
	}
	asked := func(e *flows.Event) { e.Survey, e.Kind = "csat", "csat" }
	for _, tc := range []struct {
		name      string
		solved    time.Duration // after the handoff
		o         kpi.Options
		responses int
	}{
		{"solved in an hour, --team support", time.Hour, kpi.Options{Team: "support"}, 1},
		{"solved in two days, --team support", 48 * time.Hour, kpi.Options{Team: "support"}, 1},
		{"solved in two days, --team billing", 48 * time.Hour, kpi.Options{Team: "billing"}, 0},
		{"solved in two days, every team", 48 * time.Hour, kpi.Options{}, 1},
	} {
		ho, events := handedOff(t0, time.Time{})
		at := t0.Add(tc.solved)
		events = append(events,
			ev(flows.EvTicketSolved, "X", at, ho, func(e *flows.Event) { e.WaitMS = tc.solved.Milliseconds() }),
			ev(flows.EvBotResumed, "X", at, ho),
			ev(flows.EvSurveyAsked, "X", at, asked),
			ev(flows.EvSurveyAnswered, "X", at.Add(time.Minute), csat(2)),
			ev(flows.EvConversationEnded, "X", at.Add(time.Minute), func(e *flows.Event) { e.Outcome = flows.OutcomeHandedOff }))
		r := compute(events, tc.o)
		if r.CSAT.Responses != tc.responses || r.CSAT.Asked != tc.responses {
			t.Errorf("%s: CSAT %d responses of %d asked, want %d of %d", tc.name, r.CSAT.Responses, r.CSAT.Asked, tc.responses, tc.responses)
		}
		if r.Outcomes[flows.OutcomeHandedOff] != 1 {
			t.Errorf("%s: outcomes %v, want one handed off", tc.name, r.Outcomes)
		}
	}
}

// The NPS's promoters, passives and detractors are figures in the JSON
// whatever they are, 0 too ("passives": 0 says there were none, a key
// left out says nothing); CSAT and CES have no such counts.
func TestNPSCountsInJSONEvenWhenZero(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	answers := func(kind string, scores ...int) []flows.Event {
		var events []flows.Event
		for i, s := range scores {
			id := fmt.Sprintf("%s%d", kind, i)
			events = append(events, ev(flows.EvConversationStarted, id, t0),
				ev(flows.EvSurveyAsked, id, t0, func(e *flows.Event) { e.Survey, e.Kind = kind, kind }),
				ev(flows.EvSurveyAnswered, id, t0, func(e *flows.Event) { e.Survey, e.Kind, e.Score = kind, kind, &s }),
				ev(flows.EvConversationEnded, id, t0, func(e *flows.Event) { e.Outcome = flows.OutcomeContained }))
		}
		return events
	}
	for _, c := range []struct {
		name   string
		events []flows.Event
		want   map[string]any // nps's counts
	}{
		{"no answer", nil, map[string]any{"promoters": 0.0, "passives": 0.0, "detractors": 0.0}},
		{"promoters only", answers("nps", 9, 10), map[string]any{"promoters": 2.0, "passives": 0.0, "detractors": 0.0}},
		{"passives only", answers("nps", 7), map[string]any{"promoters": 0.0, "passives": 1.0, "detractors": 0.0}},
		{"detractors only", answers("nps", 0, 6, 3), map[string]any{"promoters": 0.0, "passives": 0.0, "detractors": 3.0}},
		{"each kind", slices.Concat(answers("nps", 10, 8, 2), answers("csat", 5), answers("ces", 2)), map[string]any{"promoters": 1.0, "passives": 1.0, "detractors": 1.0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := compute(c.events, kpi.Options{})
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ CSAT, NPS, CES map[string]any }
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range c.want {
				if g, ok := got.NPS[k]; !ok || g != v {
					t.Errorf("nps.%s = %v (given: %v), want %v", k, g, ok, v)
				}
			}
			for kind, m := range map[string]map[string]any{"csat": got.CSAT, "ces": got.CES} {
				for _, k := range []string{"promoters", "passives", "detractors"} {
					if g, ok := m[k]; ok {
						t.Errorf("%s.%s = %v: a count that means nothing for %s", kind, k, g, kind)
					}
				}
				if _, ok := m["responses"]; !ok {
					t.Errorf("%s has no responses: %v", kind, m)
				}
			}
		})
	}
}

// A conversation started again with no end before it, before its expiry,
// had ended (the engine starts a conversation again only after it ended
// or expired): its end was lost (events are written at most once). It
// did not expire: it is counted by the definitions, as of the new start:
// abandoned when the customer left the bot's last message unanswered for
// --abandon-after (dropped in its state), else contained (ended with no
// handoff, not abandoned); handed off when it had a handoff.
func TestStartedAgainBeforeItsExpiryWithNoEnd(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	in := func(e *flows.Event) { e.Kind, e.To, e.Size = "text", "bot", 5 }
	bot := func(e *flows.Event) { e.From, e.Size = "bot", 12 }
	menu := func(e *flows.Event) { e.State = "menu" }
	for _, tc := range []struct {
		name      string
		opening   []flows.Event
		back      time.Duration // the new start, after t0
		outcome   string
		dropped   int
		endedMenu int
	}{
		{
			name: "back 2 hours after the bot's last message",
			opening: []flows.Event{
				ev(flows.EvConversationStarted, "X", t0),
				ev(flows.EvMessageIn, "X", t0, in),
				ev(flows.EvStateEntered, "X", t0, menu),
				ev(flows.EvMessageOut, "X", t0.Add(time.Second), bot, menu),
			},
			back:    2 * time.Hour,
			outcome: flows.OutcomeAbandoned, dropped: 1,
		},
		{
			name: "back 10 minutes after the bot's last message",
			opening: []flows.Event{
				ev(flows.EvConversationStarted, "X", t0),
				ev(flows.EvMessageIn, "X", t0, in),
				ev(flows.EvStateEntered, "X", t0, menu),
				ev(flows.EvMessageOut, "X", t0.Add(time.Second), bot, menu),
			},
			back:    10 * time.Minute,
			outcome: flows.OutcomeContained, endedMenu: 1,
		},
	} {
		events := append(slices.Clone(tc.opening),
			ev(flows.EvConversationStarted, "X", t0.Add(tc.back)),
			ev(flows.EvMessageIn, "X", t0.Add(tc.back), in),
			ev(flows.EvStateEntered, "X", t0.Add(tc.back), func(e *flows.Event) { e.State = "faq" }),
			ev(flows.EvConversationEnded, "X", t0.Add(tc.back+time.Minute), func(e *flows.Event) {
				e.Outcome, e.Reason, e.State = flows.OutcomeContained, "resolved", "faq"
			}))
		r := compute(events, kpi.Options{})
		want := map[string]int{flows.OutcomeContained: 1, flows.OutcomeHandedOff: 0, flows.OutcomeAbandoned: 0, flows.OutcomeExpired: 0}
		want[tc.outcome]++
		if fmt.Sprint(r.Outcomes) != fmt.Sprint(want) {
			t.Errorf("%s: outcomes %v, want %v", tc.name, r.Outcomes, want)
		}
		for _, s := range r.Funnel {
			if s.State == "menu" && (s.Dropped != tc.dropped || s.Ended != tc.endedMenu) {
				t.Errorf("%s: funnel at menu: %d dropped, %d ended; want %d, %d", tc.name, s.Dropped, s.Ended, tc.dropped, tc.endedMenu)
			}
		}
	}
}

// An event dated far ahead of the time it is read (a mistyped year, a
// host's clock gone wrong) was not written when it says: the computer
// leaves it out, whoever feeds it (baton report, a program of one's own
// reading a stream live), or its time would settle every conversation
// under way at once.
func TestFarFutureEventIsLeftOut(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	t0 := now.Add(-10 * time.Minute)
	in := func(e *flows.Event) { e.Kind, e.To, e.Size = "text", "bot", 5 }
	bot := func(e *flows.Event) { e.From, e.Size = "bot", 12 }
	ho, opening := handedOff(t0, t0.Add(time.Hour))
	events := append(opening,
		ev(flows.EvConversationStarted, "Y", t0),
		ev(flows.EvMessageIn, "Y", t0, in),
		ev(flows.EvMessageOut, "Y", t0.Add(time.Second), bot),
		// A year typed 2062 for 2026.
		ev(flows.EvMessageIn, "Z", t0.AddDate(36, 0, 0), in),
		ev(flows.EvFirstAgentReply, "X", now, ho, func(e *flows.Event) { e.WaitMS = (10 * time.Minute).Milliseconds() }),
	)
	var told []string
	r := compute(events, kpi.Options{OnFuture: func(e *flows.Event) { told = append(told, e.Conversation+" "+e.At.Format(time.DateOnly)) }})
	if want := []string{"Z " + t0.AddDate(36, 0, 0).Format(time.DateOnly)}; !slices.Equal(told, want) || r.FutureEvents != 1 {
		t.Errorf("events left out: told %q, counted %d; want %q, 1", told, r.FutureEvents, want)
	}
	if r.Open != 2 || r.Conversations != 0 || r.Events != int64(len(events)-1) {
		t.Errorf("%d open, %d counted, %d events; want 2 open (X and Y, under way), none counted, %d events", r.Open, r.Conversations, r.Events, len(events)-1)
	}
	if r.FirstResponse.Count != 1 || r.FirstResponse.Breached != 0 {
		t.Errorf("first response: %d answered, %d breached; want 1 answered in time", r.FirstResponse.Count, r.FirstResponse.Breached)
	}
}

// The computer reads its clock (Options.Now) as it goes: fed live, an
// event is left out only when it is dated more than a day after the time
// it is added.
func TestFutureGuardFollowsTheClock(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	clock := t0
	c := kpi.New(kpi.Options{Now: func() time.Time { return clock }, Expire: 72 * time.Hour})
	add := func(e flows.Event) { c.Add(&e) }
	add(ev(flows.EvConversationStarted, "X", t0))
	add(ev(flows.EvConversationStarted, "Y", t0.Add(25*time.Hour))) // a day and an hour ahead: left out
	clock = t0.Add(3 * time.Hour)
	add(ev(flows.EvConversationStarted, "Z", t0.Add(25*time.Hour))) // now within the day
	if r := c.Result(); r.FutureEvents != 1 || r.Events != 2 || r.Open != 2 {
		t.Errorf("%d left out, %d events, %d open; want 1, 2, 2", r.FutureEvents, r.Events, r.Open)
	}
}

// A handoff whose ticket could not be opened (a dead letter,
// handoff_failed) and that an operator retried with `baton handoff
// retry` (handoff_delivered after it) reached the helpdesk: it is
// delivered, not failed too. One retried and dead again is one failure.
func TestFailedHandoffRetriedIsDeliveredNotFailed(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	ho, opening := handedOff(t0, t0.Add(time.Hour))
	failed := func(d time.Duration) flows.Event {
		return ev(flows.EvHandoffFailed, "X", t0.Add(d), ho, func(e *flows.Event) { e.Attempts, e.Error = 8, "503" })
	}
	delivered := func(d time.Duration) flows.Event {
		return ev(flows.EvHandoffDelivered, "X", t0.Add(d), ho, func(e *flows.Event) { e.Attempts, e.Ticket = 1, "4001" })
	}
	for _, tc := range []struct {
		name              string
		after             []flows.Event
		delivered, failed int
	}{
		{"delivered", []flows.Event{delivered(time.Minute)}, 1, 0},
		{"failed", []flows.Event{failed(time.Minute)}, 0, 1},
		{"failed, retried, delivered", []flows.Event{failed(time.Minute), delivered(time.Hour)}, 1, 0},
		{"failed, retried, failed again", []flows.Event{failed(time.Minute), failed(time.Hour)}, 0, 1},
		{"failed, retried days later, delivered", []flows.Event{failed(time.Minute), delivered(72 * time.Hour)}, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := compute(append(slices.Clone(opening), tc.after...), kpi.Options{})
			if r.Handoffs.Requested != 1 || r.Handoffs.Delivered != tc.delivered || r.Handoffs.Failed != tc.failed {
				t.Errorf("handoffs %+v, want 1 requested, %d delivered, %d failed", r.Handoffs, tc.delivered, tc.failed)
			}
		})
	}
}

// An event written twice (a webhook batch sent again and stored twice by
// the endpoint, then exported as JSONL) is the same event: its id and
// time are the same, and it counts once. An id seen again at another time
// (a conversation the store forgot, started over with its turns counted
// from 1 again) is another event.
func TestRepeatedEventCountsOnce(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	five, two := 5, 2
	conv := func(id string, at time.Time, score *int) []flows.Event {
		withID := func(n int) func(*flows.Event) {
			return func(e *flows.Event) { e.ID = fmt.Sprintf("%s:1:%d", id, n) }
		}
		return []flows.Event{
			ev(flows.EvConversationStarted, id, at, withID(1)),
			ev(flows.EvMessageIn, id, at, withID(2), func(e *flows.Event) { e.To, e.Size = "bot", 3 }),
			ev(flows.EvNoMatch, id, at, withID(3), func(e *flows.Event) { e.Count = 1 }),
			ev(flows.EvSurveyAsked, id, at, withID(4), func(e *flows.Event) { e.Survey, e.Kind = "csat", "csat" }),
			ev(flows.EvSurveyAnswered, id, at, withID(5), func(e *flows.Event) { e.Survey, e.Kind, e.Score = "csat", "csat", score }),
			ev(flows.EvConversationEnded, id, at, withID(6), func(e *flows.Event) { e.Outcome, e.Reason = flows.OutcomeContained, "resolved" }),
		}
	}
	a, b := conv("A", t0, &five), conv("B", t0, &two)
	for _, tc := range []struct {
		name               string
		events             []flows.Event
		conversations      int
		messages, noMatch  int
		csat               float64
		responses, repeats int
	}{
		{"each once", slices.Concat(a, b), 2, 2, 2, 50, 2, 0},
		{"a batch sent twice", slices.Concat(a, a, b), 2, 2, 2, 50, 2, 6},
		{"one line twice", slices.Concat(a[:5], a[4:], b), 2, 2, 2, 50, 2, 1},
		{"the same ids a month later", slices.Concat(a, conv("A", t0.AddDate(0, 1, 0), &two)), 2, 2, 2, 50, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := compute(tc.events, kpi.Options{})
			if r.Conversations != tc.conversations || r.MessagesIn != tc.messages || r.NoMatches != tc.noMatch ||
				r.CSAT.Responses != tc.responses || r.CSAT.Score == nil || *r.CSAT.Score != tc.csat || r.Repeated != tc.repeats {
				t.Errorf("%d conversations, %d messages, %d no-match, CSAT %v of %d, %d repeated; want %d, %d, %d, %v of %d, %d",
					r.Conversations, r.MessagesIn, r.NoMatches, optF(r.CSAT.Score), r.CSAT.Responses, r.Repeated,
					tc.conversations, tc.messages, tc.noMatch, tc.csat, tc.responses, tc.repeats)
			}
		})
	}
}

func optF(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// Daily SLA reports of a conversation that spans midnight: it started at
// 23:50, was handed off at 00:05 with its first reply due at 01:05, and
// nobody answered (or the ticket was solved unanswered at 09:00). The
// breach happened on the second day, when the reply fell due: that day's
// report counts it, as it counts a late reply; the first day's, whose
// period ended before the handoff was made, does not.
func TestUnansweredBreachCountsOnTheDayItFellDue(t *testing.T) {
	day1 := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	day2, day3 := day1.AddDate(0, 0, 1), day1.AddDate(0, 0, 2)
	ho := func(e *flows.Event) {
		e.Handoff, e.Team, e.Priority, e.Reason, e.State, e.FirstResponseDue = "h1", "support", "normal", "menu", "transfer", day2.Add(65*time.Minute)
	}
	opening := []flows.Event{
		ev(flows.EvConversationStarted, "X", day2.Add(-10*time.Minute)),
		ev(flows.EvMessageIn, "X", day2.Add(-10*time.Minute), func(e *flows.Event) { e.To, e.Size = "bot", 5 }),
		ev(flows.EvHandoffRequested, "X", day2.Add(5*time.Minute), ho),
	}
	// Other traffic until noon of the second day.
	noon := []flows.Event{
		ev(flows.EvConversationStarted, "Y", day2.Add(12*time.Hour)),
		ev(flows.EvConversationEnded, "Y", day2.Add(12*time.Hour), func(e *flows.Event) { e.Outcome = flows.OutcomeContained }),
	}
	waiting := slices.Concat(opening, noon)
	solved := slices.Concat(opening, []flows.Event{
		ev(flows.EvTicketSolved, "X", day2.Add(9*time.Hour), ho, func(e *flows.Event) { e.WaitMS = (535 * time.Minute).Milliseconds() }),
		ev(flows.EvConversationEnded, "X", day2.Add(9*time.Hour), func(e *flows.Event) { e.Outcome, e.Reason = flows.OutcomeHandedOff, "ticket_solved" }),
	}, noon)
	late := slices.Concat(opening, []flows.Event{
		ev(flows.EvFirstAgentReply, "X", day2.Add(3*time.Hour), ho, func(e *flows.Event) { e.WaitMS = (175 * time.Minute).Milliseconds() }),
	}, noon)
	for _, tc := range []struct {
		name       string
		events     []flows.Event
		o          kpi.Options
		breached   int
		withinNull bool
	}{
		{"still waiting, every day", waiting, kpi.Options{}, 1, false},
		{"still waiting, the first day", waiting, kpi.Options{From: day1, To: day2}, 0, true},
		{"still waiting, the second day", waiting, kpi.Options{From: day2, To: day3}, 1, false},
		{"solved unanswered, the first day", solved, kpi.Options{From: day1, To: day2}, 0, true},
		{"solved unanswered, the second day", solved, kpi.Options{From: day2, To: day3}, 1, false},
		{"answered late, the first day", late, kpi.Options{From: day1, To: day2}, 0, true},
		{"answered late, the second day", late, kpi.Options{From: day2, To: day3}, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := compute(tc.events, tc.o)
			if r.FirstResponse.Breached != tc.breached || r.Handoffs.SLABreaches != tc.breached || (r.FirstResponse.WithinSLA == nil) != tc.withinNull {
				t.Errorf("%d breached (%d SLA breaches), within SLA %v; want %d breached, none within: %v",
					r.FirstResponse.Breached, r.Handoffs.SLABreaches, optF(r.FirstResponse.WithinSLA), tc.breached, tc.withinNull)
			}
			if tc.breached == 1 && (len(r.FirstResponse.ByTeam) != 1 || r.FirstResponse.ByTeam[0].Breached != 1) {
				t.Errorf("by team %+v, want one row with 1 breach", r.FirstResponse.ByTeam)
			}
		})
	}
}

// The survey's response rate is the share of the questions asked in the
// period that got an answer: a question asked at 23:59 and answered at
// 00:01 is the first day's question, answered, not the second day's
// answer to nothing (which made the second day read 200%).
func TestResponseRateIsOfTheQuestionsAskedInThePeriod(t *testing.T) {
	day1 := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	day2, day3 := day1.AddDate(0, 0, 1), day1.AddDate(0, 0, 2)
	five, two := 5, 2
	asked := func(id string, at time.Time) flows.Event {
		return ev(flows.EvSurveyAsked, id, at, func(e *flows.Event) { e.Survey, e.Kind = "csat", "csat" })
	}
	answered := func(id string, at time.Time, score *int) flows.Event {
		return ev(flows.EvSurveyAnswered, id, at, func(e *flows.Event) { e.Survey, e.Kind, e.Score = "csat", "csat", score })
	}
	events := []flows.Event{
		ev(flows.EvConversationStarted, "X", day2.Add(-5*time.Minute)),
		asked("X", day2.Add(-time.Minute)),
		answered("X", day2.Add(time.Minute), &five),
		ev(flows.EvConversationStarted, "Y", day2.Add(time.Hour)),
		asked("Y", day2.Add(time.Hour)),
		answered("Y", day2.Add(time.Hour), &two),
		ev(flows.EvConversationStarted, "Z", day2.Add(2*time.Hour)),
		asked("Z", day2.Add(2*time.Hour)), // never answered
	}
	for _, tc := range []struct {
		name             string
		o                kpi.Options
		responses, asked int
		rate, csat       float64
	}{
		{"every day", kpi.Options{}, 2, 3, 0.6667, 50},
		{"the first day", kpi.Options{From: day1, To: day2}, 0, 1, 1, -1},
		{"the second day", kpi.Options{From: day2, To: day3}, 2, 2, 0.5, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := compute(events, tc.o)
			s := r.CSAT
			csat := -1.0
			if s.Score != nil {
				csat = *s.Score
			}
			if s.Responses != tc.responses || s.Asked != tc.asked || s.ResponseRate == nil || *s.ResponseRate != tc.rate || csat != tc.csat {
				t.Errorf("%d responses of %d asked, response rate %v, CSAT %v; want %d of %d, %v, %v",
					s.Responses, s.Asked, optF(s.ResponseRate), csat, tc.responses, tc.asked, tc.rate, tc.csat)
			}
		})
	}
}
