package nlu

import (
	"context"
	"testing"

	"github.com/batonbot/baton/flows"
)

// TestBareAnswers: a short answer to the bot's question is not
// frustration, whatever the model's base rate; anger around the same
// words still is. Phrasings from no data set.
func TestBareAnswers(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text, lang string
		calm       bool
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
		{"no!!!", "it", false},
		{"NO. NO. NO.", "en", false},
		{"no 🙄", "it", false},
		{"no no no no", "en", false},
	} {
		r, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: tc.text, Lang: tc.lang})
		if err != nil {
			t.Fatal(err)
		}
		if calm := r.Frustration <= clearedScore; calm != tc.calm {
			t.Errorf("%q: frustration %.3f, want calm (at most %.2f) %v", tc.text, r.Frustration, clearedScore, tc.calm)
		}
	}
}

// TestClosingThanks: "nothing else, thanks" answers "anything else?"; the
// thanks after it is not ironic, nor after a "no" that is a clause of its
// own. Thanks for nothing still is. Phrasings from no data set.
func TestClosingThanks(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text, lang string
		frustrated bool
	}{
		{"nothing else, thanks", "en", false},
		{"No, nothing more. Thank you", "en", false},
		{"no, nada más. Gracias", "es", false},
		{"nient'altro, grazie mille", "it", false},
		{"No. Grazie", "it", false},
		{"thanks for nothing", "en", true},
		{"gracias por nada", "es", true},
		{"NO. Grazie per niente.", "it", true},
	} {
		r, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: tc.text, Lang: tc.lang})
		if err != nil {
			t.Fatal(err)
		}
		if r.Frustrated != tc.frustrated || !tc.frustrated && r.Frustration >= 0.25 {
			t.Errorf("%q: frustrated %v (%.3f), want %v (and under the example flow's 0.25 bar when not)", tc.text, r.Frustrated, r.Frustration, tc.frustrated)
		}
	}
}
