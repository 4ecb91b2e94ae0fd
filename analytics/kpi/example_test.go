package kpi_test

import (
	"fmt"
	"time"

	"github.com/batonbot/baton/analytics/kpi"
	"github.com/batonbot/baton/flows"
)

// A Computer takes events one at a time, from a file or a stream, and
// sums them up.
func ExampleComputer() {
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	five, two := 5, 2
	events := []flows.Event{
		{Type: flows.EvConversationStarted, Conversation: "a", Contact: "x", At: at},
		{Type: flows.EvMessageIn, Conversation: "a", To: "bot", At: at},
		{Type: flows.EvConversationEnded, Conversation: "a", Outcome: flows.OutcomeContained, At: at.Add(time.Minute)},
		{Type: flows.EvConversationStarted, Conversation: "b", Contact: "y", At: at},
		{Type: flows.EvMessageIn, Conversation: "b", To: "bot", At: at},
		{Type: flows.EvHandoffRequested, Conversation: "b", Handoff: "h", Reason: "asks_for_human", Team: "support", At: at},
		{Type: flows.EvSurveyAsked, Conversation: "b", Kind: "csat", At: at.Add(time.Hour)},
		{Type: flows.EvSurveyAnswered, Conversation: "b", Kind: "csat", Score: &five, At: at.Add(time.Hour)},
		{Type: flows.EvConversationEnded, Conversation: "b", Outcome: flows.OutcomeHandedOff, At: at.Add(time.Hour)},
		{Type: flows.EvSurveyAnswered, Conversation: "c", Kind: "csat", Score: &two, At: at.Add(time.Hour)},
	}
	c := kpi.New(kpi.Options{})
	for i := range events {
		c.Add(&events[i])
	}
	c.Close()
	r := c.Result()
	fmt.Printf("containment %.0f%%, escalation %.0f%%, by reason %v\n", 100*r.ContainmentRate, 100*r.EscalationRate, r.EscalationsByReason)
	fmt.Printf("CSAT %.0f%% of %d responses\n", *r.CSAT.Score, r.CSAT.Responses)
	// Output:
	// containment 50%, escalation 50%, by reason map[asks_for_human:1]
	// CSAT 50% of 2 responses
}
