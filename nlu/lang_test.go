package nlu

import (
	"context"
	"testing"

	"github.com/batonbot/baton/flows"
)

// TestLanguageShortMessages: a few support words are enough to tell es, it
// and en apart without the conversation's hint.
func TestLanguageShortMessages(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ text, want string }{
		{"hablar con un humano", "es"},
		{"quiero un asesor", "es"},
		{"pásame con alguien", "es"},
		{"mi pedido no llega", "es"},
		{"hola buenas", "es"},
		{"gracias", "es"},
		{"parlare con un operatore", "it"},
		{"voglio un operatore", "it"},
		{"dov'è il mio pacco?", "it"},
		{"grazie mille", "it"},
		{"buongiorno", "it"},
		{"talk to a human", "en"},
		{"where is my parcel", "en"},
		{"thanks a lot", "en"},
		{"cancel my order", "en"},
		{"annullare ordine", "it"},
		{"cancelar pedido", "es"},
		{"operatore", "it"},
	} {
		sig, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: tc.text})
		if err != nil {
			t.Fatal(err)
		}
		if sig.Language != tc.want {
			t.Errorf("%q: language %q, want %q", tc.text, sig.Language, tc.want)
		}
	}
}

// TestElongatedAndBoss: stretched letters and the boss ask for a person
// like the plain words do.
func TestElongatedAndBoss(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"OPERATOREEE", true},
		{"humaaan pleeease", true},
		{"fatemi parlare con il vostro capo", true},
		{"let me talk to your boss", true},
		{"www.example.com non si apre", false},
	} {
		sig, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: tc.text})
		if err != nil {
			t.Fatal(err)
		}
		if sig.WantsHuman != tc.want {
			t.Errorf("%q: wants_human = %v, want %v", tc.text, sig.WantsHuman, tc.want)
		}
	}
}
