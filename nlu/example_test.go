package nlu_test

import (
	"context"
	"fmt"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/nlu"
)

func ExampleNew() {
	a, err := nlu.New(
		nlu.WithIntents([]*flows.Intent{
			{Name: "order_status", Examples: map[string][]string{
				"en": {"where is my order", "my parcel has not arrived"},
				"it": {"dov'è il mio ordine", "il pacco non è arrivato"},
			}},
			{Name: "billing", Examples: map[string][]string{
				"en": {"I was charged twice", "where is my refund"},
				"it": {"mi avete addebitato due volte", "il rimborso non arriva"},
			}},
		}),
		nlu.WithThreshold(0.5),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	sig, _ := a.Analyze(context.Background(), flows.AnalyzeInput{
		Text: "il mio ORDINE A12345 non è ancora arrivato!!! mi passate un operatore?",
	})
	fmt.Println("intent:", sig.Intent)
	fmt.Println("wants_human:", sig.WantsHuman)
	fmt.Println("language:", sig.Language)
	fmt.Println("order:", sig.Entities["order"])
	fmt.Println("source:", sig.Source)
	// Output:
	// intent: order_status
	// wants_human: true
	// language: it
	// order: [A12345]
	// source: builtin
}

// The signals keep the false alarms of caps lock, lone letters, job titles
// and spam apart from real requests and real anger, and a message unlike
// every intent's examples gets no confident intent.
func ExampleAnalyzer_Analyze_falseAlarms() {
	a, err := nlu.New(nlu.WithIntents([]*flows.Intent{
		{Name: "order_status", Examples: map[string][]string{"en": {"where is my order", "my parcel has not arrived"}}},
		{Name: "returns", Examples: map[string][]string{"en": {"how do I return an item", "can I exchange the size"}}},
	}), nlu.WithThreshold(0.5))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for _, text := range []string{
		"WHERE IS MY ORDER",                        // caps lock
		"I'll go with plan b",                      // not the Better Business Bureau
		"my travel agent booked the wrong hotel",   // a job, not a request
		"YOU WON A FREE IPHONE!!! CLICK HERE",      // spam
		"could someone from your team look at it?", // a request with no "agent" word
		"Cancel it. Today.",                        // a curt order
	} {
		sig, _ := a.Analyze(ctx, flows.AnalyzeInput{Text: text})
		fmt.Printf("%-42s wants_human=%-5v frustrated=%v\n", text, sig.WantsHuman, sig.Frustrated)
	}
	for _, text := range []string{"where's my parcel?", "qwertyuiop asdfghjkl", "YOU WON A FREE IPHONE!!! CLICK HERE"} {
		sig, _ := a.Analyze(ctx, flows.AnalyzeInput{Text: text})
		fmt.Printf("%-42s intent=%s\n", text, sig.Intent)
	}
	// Output:
	// WHERE IS MY ORDER                          wants_human=false frustrated=false
	// I'll go with plan b                        wants_human=false frustrated=false
	// my travel agent booked the wrong hotel     wants_human=false frustrated=false
	// YOU WON A FREE IPHONE!!! CLICK HERE        wants_human=false frustrated=false
	// could someone from your team look at it?   wants_human=true  frustrated=false
	// Cancel it. Today.                          wants_human=false frustrated=true
	// where's my parcel?                         intent=order_status
	// qwertyuiop asdfghjkl                       intent=unknown
	// YOU WON A FREE IPHONE!!! CLICK HERE        intent=unknown
}
