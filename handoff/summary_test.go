package handoff

import (
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

func TestSummarize(t *testing.T) {
	user := func(text string) flows.Message { return flows.Message{From: flows.RoleUser, Text: text} }
	tests := []struct {
		name string
		h    *flows.Handoff
		want string
	}{
		{
			"full",
			connTestHandoff(),
			"Escalated: asks for human (asked for a human, sounds frustrated). " +
				"Customer: “A12345 non è mai arrivato e ho pagato due volte <script>alert(1)</script>” … “voglio parlare con una persona, scrivetemi a mario@example.com”. " +
				"Chose: Ordini. Details: order id A12345, amount 59.9, vip true.",
		},
		{
			// A short request is still what the customer asked for; the
			// variables that repeat the handoff's reason, team and priority
			// (and the unset ones) are not details.
			"short request",
			&flows.Handoff{
				Reason: "sensitive_topic", Team: "billing", Priority: flows.PriorityHigh,
				Transcript: []flows.Message{user("voglio un rimborso"), {From: flows.RoleBot, Text: "Ti passo a un collega"}},
				Vars:       map[string]any{"csat": 0.0, "priority": "high", "reason": "sensitive_topic", "team": "billing", "topic": "refund", "order_id": ""},
			},
			"Escalated: sensitive topic. Customer: “voglio un rimborso”. Details: topic refund.",
		},
		{
			"only greetings",
			&flows.Handoff{Reason: "menu", Transcript: []flows.Message{user("ciao"), user("ok")}},
			"The customer chose to talk to a person.",
		},
		{
			"one short word",
			&flows.Handoff{Reason: "asks_for_human", Transcript: []flows.Message{user("hi"), user("agent")}},
			"Escalated: asks for human. Customer: “agent”.",
		},
		{
			"no match",
			&flows.Handoff{Reason: "no_match", NoMatch: 3, Transcript: []flows.Message{user("ciao"), user("ok"), user("asdf qwer zxcv")}},
			"The bot did not understand 3 messages in a row. Customer: “asdf qwer zxcv”.",
		},
		{
			"nothing said",
			&flows.Handoff{Reason: "menu"},
			"The customer chose to talk to a person.",
		},
		{
			// A second handoff after the bot took the conversation back:
			// the first request (before the system line) is not what the
			// customer wants now; the ticket's transcript still has it.
			"after an earlier handoff",
			&flows.Handoff{Reason: "low_csat", Transcript: []flows.Message{
				user("vorrei un rimborso per l'ordine A12345"), {From: flows.RoleAgent, Text: "Rimborso fatto"},
				{From: flows.RoleSystem, Text: "The ticket was solved in the helpdesk. The bot took the conversation back."},
				user("1"), {From: flows.RoleUser, Text: "sì", Choice: "Sì, ricontattatemi"}}},
			"Escalated: low csat. Chose: Sì, ricontattatemi.",
		},
		{
			// The customer's words hold a value only as whole words: "ok"
			// (a status the bot read from its own systems) is not in
			// "booked", nor "pro" in "problem"; "Rome" is what they gave.
			"values given as words",
			&flows.Handoff{Reason: "menu", Transcript: []flows.Message{user("problem: I booked a hotel in Rome")},
				Vars: map[string]any{"plan": "pro", "city": "Rome", "a_status": "ok", "b_tier": "gold", "c_code": "A-12"}},
			"The customer chose to talk to a person. Customer: “problem: I booked a hotel in Rome”. Details: city Rome, a status ok, b tier gold, c code A-12.",
		},
		{
			"duplicates quoted once",
			&flows.Handoff{Transcript: []flows.Message{user("where is my parcel 123?"), user("Where is my parcel 123?")}},
			"The bot handed the conversation over. Customer: “where is my parcel 123?”.",
		},
	}
	for _, tt := range tests {
		if got := Summarize(tt.h); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
	if Summarize(nil) != "" {
		t.Error("nil handoff")
	}
}

func TestTicketSummaryKeepsOwnAndMasks(t *testing.T) {
	h := connTestHandoff()
	h.Summary = "Customer mario@example.com wants order A12345 refunded"
	if got := ticketSummary(h, true); got != "Customer [email] wants order [order] refunded" {
		t.Errorf("got %q", got)
	}
	if got := ticketSummary(h, false); !strings.Contains(got, "mario@example.com") {
		t.Errorf("got %q", got)
	}
}
