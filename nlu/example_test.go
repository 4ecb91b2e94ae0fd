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
