package kpi_test

import (
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
