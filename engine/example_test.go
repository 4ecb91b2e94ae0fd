package engine_test

import (
	"context"
	"fmt"
	"time"

	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

func static(s string) *flows.Text {
	return &flows.Text{ByLang: map[string]*flows.Template{"en": {Parts: []flows.TemplatePart{{Lit: s}}}}}
}

// A two-state flow, a memory store and two messages: the first enters the
// start state and shows the menu, the second picks an option by number.
func Example() {
	f := &flows.Flow{
		Name: "hello", Languages: []string{"en"}, Start: "welcome",
		States: map[string]*flows.State{
			"welcome": {Name: "welcome",
				Actions: []flows.Action{&flows.Say{Text: static("Hi! What do you need?")}},
				Menu: &flows.Menu{Options: []*flows.Option{
					{ID: "hours", Number: 1, Label: flows.Localized{"en": "Opening hours"}, Do: flows.Do{Goto: "hours"}},
					{ID: "human", Number: 2, Label: flows.Localized{"en": "Talk to a person"}, Do: flows.Do{Goto: "human"}},
				}}},
			"hours": {Name: "hours", Actions: []flows.Action{&flows.Say{Text: static("We are open 9 to 18.")}}, End: true},
			"human": {Name: "human", Actions: []flows.Action{&flows.HandoffAction{Say: static("Passing you to a colleague.")}}},
		},
	}
	clock := func() time.Time { return time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC) }
	e := engine.New(f, engine.WithClock(clock))
	store := memory.New(memory.WithClock(clock))
	create := func() *flows.Session {
		return e.NewSession("", flows.Contact{ID: "+15550100", Name: "Ada"}, "web", "en")
	}
	for _, text := range []string{"hello", "2"} {
		effects, err := e.Handle(context.Background(), store, "conv-1", flows.Input{Kind: flows.InputMessage, Text: text}, create)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, ef := range effects {
			switch ef := ef.(type) {
			case flows.Reply:
				fmt.Printf("bot: %s", ef.Text)
				for _, o := range ef.Options {
					fmt.Printf(" [%d. %s]", o.Number, o.Title)
				}
				fmt.Println()
			case flows.HandoffEffect:
				fmt.Printf("handoff %s, reason %s, %d messages\n", ef.ID, ef.Reason, len(ef.Transcript))
			}
		}
	}
	pending, _ := store.List(context.Background(), flows.OutboxPending)
	fmt.Println("outbox:", pending[0].Kind, pending[0].HandoffID)
	// Output:
	// bot: Hi! What do you need? [1. Opening hours] [2. Talk to a person]
	// bot: Passing you to a colleague.
	// handoff conv-1-2-1, reason menu, 4 messages
	// outbox: open conv-1-2-1
}
