package nlu

import (
	"context"
	"testing"

	"github.com/batonbot/baton/flows"
)

// TestBareAnswers: a greeting or a short answer to the bot's question is
// not frustration, whatever the model's base rate, nor is the thanks
// after "nothing else" irony; anger around the same words still is, and
// so is thanks for nothing. Phrasings from no data set.
func TestBareAnswers(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text, lang string
		calm       bool // at most clearedScore; else frustrated
	}{
		{"no", "it", true},
		{"No.", "en", true},
		{"4417", "it", true},
		{"7", "es", true},
		{"niente, grazie", "it", true},
		{"nient'altro", "it", true},
		{"non lo so", "it", true},
		{"nothing else", "en", true},
		{"nada más", "es", true},
		{"no sé", "es", true},
		{"ok 👍", "en", true},
		{"ciao di nuovo", "it", true},
		{"hi again", "en", true},
		{"hola de nuevo", "es", true},
		{"nothing else, thanks", "en", true},
		{"No, nothing more. Thank you", "en", true},
		{"no, nada más. Gracias", "es", true},
		{"nient'altro, grazie mille", "it", true},
		{"No. Grazie", "it", true},
		{"no!!!", "it", false},
		{"NO. NO. NO.", "en", false},
		{"no 🙄", "it", false},
		{"no no no no", "en", false},
		{"thanks for nothing", "en", false},
		{"gracias por nada", "es", false},
		{"NO. Grazie per niente.", "it", false},
	} {
		r, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: tc.text, Lang: tc.lang})
		if err != nil {
			t.Fatal(err)
		}
		if calm := r.Frustration <= clearedScore; calm != tc.calm || !tc.calm && !r.Frustrated {
			t.Errorf("%q: frustration %.3f (frustrated %v), want calm (at most %.2f) %v, else frustrated",
				tc.text, r.Frustration, r.Frustrated, clearedScore, tc.calm)
		}
	}
}
