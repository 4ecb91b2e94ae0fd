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
	// The built-in models train once per process, before the first flow.
	if _, err := New(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(WithIntents(intents)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyzeCorpus analyses the corpus's messages in turn (short and
// long, three languages): the mean cost of a real message.
func BenchmarkAnalyzeCorpus(b *testing.B) {
	a, err := New(WithIntents(benchIntents()))
	if err != nil {
		b.Fatal(err)
	}
	data := Corpus()
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m := data[i%len(data)]
		i++
		if _, err := a.Analyze(ctx, flows.AnalyzeInput{Text: m.Text, Lang: m.Lang}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrainSignalModel measures training the learned wants_human and
// frustrated model on the corpus (once per process in production).
func BenchmarkTrainSignalModel(b *testing.B) {
	data := signalCorpus()
	for b.Loop() {
		if _, err := trainSignalModel(data, defaultSigParams); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrainPrior measures training the corpus's intent classifier
// (once per process in production).
func BenchmarkTrainPrior(b *testing.B) {
	data := Corpus()
	for b.Loop() {
		if _, err := trainPrior(data); err != nil {
			b.Fatal(err)
		}
	}
}
