package kpi_test

import (
	"slices"
	"testing"
	"time"

	"github.com/batonbot/baton/analytics/kpi"
	"github.com/batonbot/baton/flows"
)

// The topic of a conversation, for first contact resolution, is the first
// intent the analyser recognised, else the first menu option chosen: a
// customer who picked "Refunds" from the menu, then wrote that the
// refund has not arrived, and comes back the next day writing about the
// refund again, was not resolved at first contact.
func TestFCRTopicIsTheFirstIntentBeforeAMenuChoice(t *testing.T) {
	t0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	ev := func(conv string, min int, typ flows.EventType, f func(*flows.Event)) flows.Event {
		e := flows.Event{V: 1, Type: typ, Conversation: conv, Contact: "c1", Flow: "shop", Channel: "web", Lang: "en", At: t0.Add(time.Duration(min) * time.Minute)}
		if f != nil {
			f(&e)
		}
		return e
	}
	in := func(intent, choice string) func(*flows.Event) {
		return func(e *flows.Event) { e.Kind, e.To, e.Size, e.Intent, e.Choice = "text", "bot", 5, intent, choice }
	}
	ended := func(e *flows.Event) { e.Outcome, e.Reason = flows.OutcomeContained, "resolved" }
	day := 24 * 60
	events := []flows.Event{
		ev("a", 0, flows.EvConversationStarted, nil),
		ev("a", 0, flows.EvMessageIn, in("", "refunds")),
		ev("a", 1, flows.EvMessageIn, in("refund", "")),
		ev("a", 2, flows.EvConversationEnded, ended),
		ev("b", day, flows.EvConversationStarted, nil),
		ev("b", day, flows.EvMessageIn, in("refund", "")),
		ev("b", day+1, flows.EvConversationEnded, ended),
	}
	r := compute(events, kpi.Options{})
	if r.FCR.Repeated != 1 || r.FCR.Resolved != 0 || r.FCR.Pending != 1 {
		t.Errorf("FCR %d resolved first time, %d came back, %d pending; want 0, 1, 1", r.FCR.Resolved, r.FCR.Repeated, r.FCR.Pending)
	}
}

// A customer who comes back within the window is a repeat even when the
// window closes while the new conversation is still going on (a handoff
// that takes hours): it is not settled as resolved first time before.
func TestFCRRepeatStillOpenWhenTheWindowCloses(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ev := func(conv string, at time.Duration, typ flows.EventType, f func(*flows.Event)) flows.Event {
		e := flows.Event{V: 1, Type: typ, Conversation: conv, Contact: "c1", Flow: "shop", Channel: "web", Lang: "en", At: t0.Add(at)}
		if f != nil {
			f(&e)
		}
		return e
	}
	in := func(e *flows.Event) { e.Kind, e.To, e.Size, e.Intent = "text", "bot", 5, "refund" }
	ended := func(o string) func(*flows.Event) {
		return func(e *flows.Event) { e.Outcome = o }
	}
	day := 24 * time.Hour
	events := []flows.Event{
		ev("a", 0, flows.EvConversationStarted, nil),
		ev("a", time.Minute, flows.EvMessageIn, in),
		ev("a", 2*time.Minute, flows.EvConversationEnded, ended(flows.OutcomeContained)),
		// Back 6 days 23 hours later, handed to a person for three hours.
		ev("b", 7*day-time.Hour, flows.EvConversationStarted, nil),
		ev("b", 7*day-time.Hour+time.Minute, flows.EvMessageIn, in),
		ev("b", 7*day-time.Hour+2*time.Minute, flows.EvHandoffRequested, func(e *flows.Event) { e.Team, e.Handoff = "billing", "h1" }),
		ev("b", 7*day+time.Hour, flows.EvMessageIn, func(e *flows.Event) { e.Kind, e.To, e.Size = "text", "agent", 5 }),
		ev("b", 7*day+2*time.Hour, flows.EvConversationEnded, ended(flows.OutcomeHandedOff)),
	}
	r := compute(events, kpi.Options{})
	if r.FCR.Repeated != 1 || r.FCR.Resolved != 0 {
		t.Errorf("FCR %d resolved first time, %d came back, %d pending; want 0 and 1", r.FCR.Resolved, r.FCR.Repeated, r.FCR.Pending)
	}
}

// The report of a bounded period (--to) judges its conversations' first
// contact resolution by what the data holds after it: a customer back the
// day after the period, about the same topic, was not resolved at first
// contact, though the conversation they came back in is not counted.
func TestFCRRepeatAfterThePeriod(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ev := func(conv string, at time.Duration, typ flows.EventType, f func(*flows.Event)) flows.Event {
		e := flows.Event{V: 1, Type: typ, Conversation: conv, Contact: "c1", Flow: "shop", Channel: "web", Lang: "en", At: t0.Add(at)}
		if f != nil {
			f(&e)
		}
		return e
	}
	in := func(e *flows.Event) { e.Kind, e.To, e.Size, e.Intent = "text", "bot", 5, "refund" }
	ended := func(e *flows.Event) { e.Outcome = flows.OutcomeContained }
	day := 24 * time.Hour
	events := []flows.Event{
		ev("a", 0, flows.EvConversationStarted, nil),
		ev("a", time.Minute, flows.EvMessageIn, in),
		ev("a", 2*time.Minute, flows.EvConversationEnded, ended),
		// The next day, after the period: back about the refund.
		ev("b", day, flows.EvConversationStarted, nil),
		ev("b", day+time.Minute, flows.EvMessageIn, in),
		ev("b", day+2*time.Minute, flows.EvConversationEnded, ended),
		// Another customer 8 days later: a's window has closed in the data.
		ev("z", 8*day, flows.EvConversationStarted, func(e *flows.Event) { e.Contact = "c2" }),
		ev("z", 8*day, flows.EvConversationEnded, func(e *flows.Event) { e.Contact, e.Outcome = "c2", flows.OutcomeContained }),
	}
	r := compute(events, kpi.Options{To: t0.Add(12 * time.Hour)})
	if r.Conversations != 1 || r.FCR.Repeated != 1 || r.FCR.Resolved != 0 || r.FCR.Pending != 0 {
		t.Errorf("%d conversations, FCR %d resolved first time, %d came back, %d pending; want 1 conversation, 0, 1, 0",
			r.Conversations, r.FCR.Resolved, r.FCR.Repeated, r.FCR.Pending)
	}
}

// A conversation counted after another of the same customer and topic
// that started after it (two conversations at once: two WhatsApp numbers;
// or one kept open by a handoff) does not settle that one's window: it
// did not start after that one ended, so it is no return to it, and a
// return later in the window still makes it a repeat.
func TestFCROutOfStartOrder(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	ev := func(conv string, at time.Duration, typ flows.EventType, f func(*flows.Event)) flows.Event {
		e := flows.Event{V: 1, Type: typ, Conversation: conv, Contact: "c1", Flow: "shop", Channel: "whatsapp", Lang: "en", At: t0.Add(at)}
		if f != nil {
			f(&e)
		}
		return e
	}
	in := func(e *flows.Event) { e.Kind, e.To, e.Size, e.Intent = "text", "bot", 5, "refund" }
	toAgent := func(e *flows.Event) { e.Kind, e.To, e.Size = "text", "agent", 5 }
	handoff := func(e *flows.Event) { e.Team, e.Handoff, e.Reason = "billing", "h-"+e.Conversation, "refund" }
	ended := func(o string) func(*flows.Event) { return func(e *flows.Event) { e.Outcome = o } }
	// quick is a conversation resolved by the bot in 5 minutes.
	quick := func(conv string, at time.Duration) []flows.Event {
		return []flows.Event{
			ev(conv, at, flows.EvConversationStarted, nil),
			ev(conv, at+time.Minute, flows.EvMessageIn, in),
			ev(conv, at+5*time.Minute, flows.EvConversationEnded, ended(flows.OutcomeContained)),
		}
	}
	// closer is another customer's conversation (no contact: no FCR of
	// its own) at the end of the data, after every window closed.
	closer := func(at time.Duration) []flows.Event {
		noContact := func(e *flows.Event) { e.Contact = "" }
		return []flows.Event{
			ev("z", at, flows.EvConversationStarted, noContact),
			ev("z", at, flows.EvConversationEnded, func(e *flows.Event) { e.Contact, e.Outcome = "", flows.OutcomeContained }),
		}
	}
	cat := func(parts ...[]flows.Event) []flows.Event { return slices.Concat(parts...) }
	for _, tc := range []struct {
		name                        string
		events                      []flows.Event
		resolved, repeated, pending int
	}{
		{
			// b (handed off for a day) started before a and ends after it;
			// c comes back 3 days later: a return to both.
			name: "a return to both of two at once",
			events: cat(
				[]flows.Event{
					ev("b", -time.Hour, flows.EvConversationStarted, nil),
					ev("b", -time.Hour+time.Minute, flows.EvMessageIn, in),
					ev("b", -time.Hour+2*time.Minute, flows.EvHandoffRequested, handoff),
				},
				quick("a", 0),
				[]flows.Event{
					ev("b", 20*time.Hour, flows.EvMessageIn, toAgent),
					ev("b", day+2*time.Hour, flows.EvConversationEnded, ended(flows.OutcomeHandedOff)),
				},
				quick("c", 3*day),
				closer(12*day),
			),
			resolved: 1, repeated: 2, // a and b came back; c did not
		},
		{
			// a resolved; d comes back within a's window and is handed
			// off for three days; e starts after a's window, while d is
			// still going on, and ends first.
			name: "a return still open when a later one ends",
			events: cat(
				quick("a", 0),
				[]flows.Event{
					ev("d", 6*day, flows.EvConversationStarted, nil),
					ev("d", 6*day+time.Minute, flows.EvMessageIn, in),
					ev("d", 6*day+2*time.Minute, flows.EvHandoffRequested, handoff),
					ev("d", 7*day, flows.EvMessageIn, toAgent),
					ev("d", 7*day+22*time.Hour, flows.EvMessageIn, toAgent),
				},
				quick("e", 7*day+23*time.Hour),
				[]flows.Event{
					ev("d", 8*day+20*time.Hour, flows.EvMessageIn, toAgent),
					ev("d", 9*day, flows.EvConversationEnded, ended(flows.OutcomeHandedOff)),
				},
				closer(20*day),
			),
			resolved: 2, repeated: 1, // a came back (d); d and e did not
		},
	} {
		r := compute(tc.events, kpi.Options{})
		if r.FCR.Resolved != tc.resolved || r.FCR.Repeated != tc.repeated || r.FCR.Pending != tc.pending {
			t.Errorf("%s: FCR %d resolved first time, %d came back, %d pending; want %d, %d, %d",
				tc.name, r.FCR.Resolved, r.FCR.Repeated, r.FCR.Pending, tc.resolved, tc.repeated, tc.pending)
		}
	}
}
