package analyzer_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/examples/analyzer"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/nlu"
)

// The custom analyser wired into the example support flow: the company's
// rule "VIP line" means "put me through to a person", a phrase the built-in
// analyser does not know. The flow's `wants_human` trigger does the rest.
func Example_wiredIntoAFlow() {
	flow, diags := dsl.LoadFile("../flows/support.yaml")
	if diags.HasErrors() {
		log.Fatal(diags.Err())
	}
	builtin, err := nlu.FromFlow(flow.NLU)
	if err != nil {
		log.Fatal(err)
	}
	rules, err := analyzer.New(builtin, analyzer.Rule{Pattern: `(?i)\bvip\s*line\b`, WantsHuman: true})
	if err != nil {
		log.Fatal(err)
	}
	tuesday := time.Date(2026, 3, 3, 10, 30, 0, 0, time.FixedZone("CET", 3600)) // in business hours
	eng := engine.New(flow, engine.WithAnalyzer(rules), engine.WithClock(func() time.Time { return tuesday }))

	ctx := context.Background()
	s := eng.NewSession("c1", flows.Contact{ID: "+393331234567", Name: "Anna"}, "whatsapp", "it")
	for _, text := range []string{"ciao", "mi attivate la VIP line?"} {
		var effects []flows.Effect
		s, effects, err = eng.Turn(ctx, s, flows.Input{Kind: flows.InputMessage, Text: text})
		if err != nil {
			log.Fatal(err)
		}
		for _, e := range effects {
			switch e := e.(type) {
			case flows.TriggerFired:
				fmt.Printf("trigger %s\n", e.Name)
			case flows.HandoffEffect:
				fmt.Printf("handoff reason=%s wants_human=%v source=%s\n", e.Reason, e.Signals.WantsHuman, e.Signals.Source)
			}
		}
	}
	// Output:
	// trigger wants_human
	// handoff reason=wants_human wants_human=true source=rules
}
