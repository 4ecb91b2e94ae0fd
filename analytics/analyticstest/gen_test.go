package analyticstest

import (
	"testing"

	"github.com/batonbot/baton/flows"
)

func TestGeneratorOrderAndMix(t *testing.T) {
	g := New(Options{Seed: 7})
	var last flows.Event
	types := map[flows.EventType]int{}
	outcomes := map[string]int{}
	for i := range 20000 {
		ev := g.Next()
		if i > 0 && ev.At.Before(last.At) {
			t.Fatalf("event %d at %s before the previous one at %s", i, ev.At, last.At)
		}
		types[ev.Type]++
		if ev.Type == flows.EvConversationEnded {
			outcomes[ev.Outcome]++
		}
		last = ev
	}
	for _, typ := range []flows.EventType{flows.EvConversationStarted, flows.EvHandoffRequested, flows.EvFirstAgentReply, flows.EvSurveyAnswered, flows.EvNoMatch} {
		if types[typ] == 0 {
			t.Errorf("no %s event in 20000", typ)
		}
	}
	if outcomes["contained"] == 0 || outcomes["handed_off"] == 0 || outcomes["abandoned"] == 0 {
		t.Errorf("outcomes %v", outcomes)
	}
}
