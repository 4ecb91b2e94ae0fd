package engine

import (
	"testing"

	"github.com/batonbot/baton/flows"
)

func TestSurveyScore(t *testing.T) {
	tests := []struct {
		text string
		kind flows.SurveyKind
		want int
		ok   bool
	}{
		{"5", flows.SurveyCSAT, 5, true},
		{" 4 ", flows.SurveyCSAT, 4, true},
		{"4/5", flows.SurveyCSAT, 4, true},
		{"direi 3 su 5", flows.SurveyCSAT, 3, true},
		{"5/5!", flows.SurveyCSAT, 5, true},
		{"6", flows.SurveyCSAT, 0, false},
		{"0", flows.SurveyCSAT, 0, false},
		{"0", flows.SurveyNPS, 0, true},
		{"10", flows.SurveyNPS, 10, true},
		{"8 out of 10", flows.SurveyNPS, 8, true},
		{"11", flows.SurveyNPS, 0, false},
		{"7", flows.SurveyCES, 7, true},
		{"3 or 4", flows.SurveyCSAT, 0, false},
		{"⭐⭐⭐⭐", flows.SurveyCSAT, 4, true},
		{"⭐ ⭐ ⭐ ⭐ ⭐", flows.SurveyCSAT, 5, true},
		{"⭐⭐⭐⭐⭐⭐", flows.SurveyCSAT, 0, false},
		{"4️⃣", flows.SurveyCSAT, 4, true},
		{"🔟", flows.SurveyNPS, 10, true},
		{"😀", flows.SurveyCSAT, 5, true},
		{"😀😀", flows.SurveyCSAT, 5, true},
		{"😡", flows.SurveyCSAT, 1, true},
		{"😐", flows.SurveyCES, 4, true},
		{"😡", flows.SurveyNPS, 0, true},
		{"😀😡", flows.SurveyCSAT, 0, false},
		{"cinque", flows.SurveyCSAT, 5, true},
		{"Cinque!", flows.SurveyCSAT, 5, true},
		{"ten", flows.SurveyNPS, 10, true},
		{"diez", flows.SurveyNPS, 10, true},
		{"un quattro", flows.SurveyCSAT, 4, true},
		{"quattro", flows.SurveyCSAT, 4, true},
		{"I'd say four", flows.SurveyCSAT, 4, true},
		{"nueve", flows.SurveyCSAT, 0, false},
		{"boh", flows.SurveyCSAT, 0, false},
		{"", flows.SurveyCSAT, 0, false},
		{"ordine A12345", flows.SurveyCSAT, 0, false},
		// Number words that are also everyday words score only alone:
		// "sei" is "you are" in Italian, "siete" "you (all) are", "uno"
		// and "one" a pronoun, "due" an English adjective.
		{"sei stata gentilissima", flows.SurveyNPS, 0, false},
		{"siete stati bravissimi", flows.SurveyNPS, 0, false},
		{"this one was fine", flows.SurveyCSAT, 0, false},
		{"my refund is still due", flows.SurveyCSAT, 0, false},
		{"sei", flows.SurveyNPS, 6, true},
		{"Un sei.", flows.SurveyNPS, 6, true},
		{"siete", flows.SurveyNPS, 7, true},
		{"one", flows.SurveyCSAT, 1, true},
		{"due", flows.SurveyCSAT, 2, true},
	}
	for _, tt := range tests {
		got, ok := surveyScore(tt.text, tt.kind)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("surveyScore(%q, %s) = %d, %v; want %d, %v", tt.text, tt.kind, got, ok, tt.want, tt.ok)
		}
	}
}

func TestIsSkip(t *testing.T) {
	for _, s := range []string{"skip", "No grazie!", "no, gracias", "después", "Later.", "salta"} {
		if !isSkip(s) {
			t.Errorf("isSkip(%q) = false", s)
		}
	}
	for _, s := range []string{"5", "non saprei, forse 3", "no problem, 5"} {
		if isSkip(s) {
			t.Errorf("isSkip(%q) = true", s)
		}
	}
}

// FuzzSurveyScore: whatever the customer writes, a score is on the scale
// or there is none; it never panics.
func FuzzSurveyScore(f *testing.F) {
	for _, s := range []string{"5", "4/5", "⭐⭐⭐", "😀", "cinque", "8 su 10", "🔟", "4️⃣", "no grazie", "3 o 4", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, k := range []flows.SurveyKind{flows.SurveyCSAT, flows.SurveyNPS, flows.SurveyCES} {
			v, ok := surveyScore(text, k)
			lo, hi := k.Range()
			if ok && (v < lo || v > hi) {
				t.Fatalf("%q on %s: %d is off the scale", text, k, v)
			}
		}
		_ = isSkip(text)
	})
}
