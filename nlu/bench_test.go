package nlu

import (
	"context"
	"testing"

	"github.com/batonbot/baton/flows"
)

func benchIntents() []*flows.Intent {
	return []*flows.Intent{
		{Name: "order_status", Examples: map[string][]string{
			"en": {"where is my order", "my parcel has not arrived", "tracking number please", "when will my package ship"},
			"it": {"dov'è il mio ordine", "il pacco non è arrivato", "mi dai il tracking", "quando arriva il pacco"},
			"es": {"dónde está mi pedido", "mi paquete no llegó"},
		}},
		{Name: "billing", Examples: map[string][]string{
			"en": {"I was charged twice", "I need an invoice", "where is my refund"},
			"it": {"mi avete addebitato due volte", "mi serve la fattura", "il rimborso non arriva"},
			"es": {"me cobraron dos veces", "necesito factura"},
		}},
		{Name: "cancellation", Examples: map[string][]string{
			"en": {"cancel my order", "how do I cancel my subscription"},
			"it": {"voglio annullare l'ordine", "come disdico l'abbonamento"},
			"es": {"quiero cancelar mi pedido"},
		}},
		{Name: "greeting", Examples: map[string][]string{
			"en": {"hi", "hello", "good morning"}, "it": {"ciao", "buongiorno"}, "es": {"hola"},
		}},
	}
}

// BenchmarkAnalyze analyses one typical message with a trained classifier.
func BenchmarkAnalyze(b *testing.B) {
	a, err := New(WithIntents(benchIntents()))
	if err != nil {
		b.Fatal(err)
	}
	in := flows.AnalyzeInput{Text: "ciao, il mio ordine A12345 non è ancora arrivato!! mi passate un operatore?", Lang: "it"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Analyze(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrain measures New with the dev set's 360 messages as intent
// examples (or the small built-in set when the dev set is absent).
func BenchmarkTrain(b *testing.B) {
	intents := benchIntents()
	if data := loadDevIfPresent(); data != nil {
		intents = IntentsFromLabeled(data)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(WithIntents(intents)); err != nil {
			b.Fatal(err)
		}
	}
}
