package handoff

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// informativenessBefore is informativeness as it was written first, with
// strings.FieldsFunc: the reference the allocation-free one must match.
func informativenessBefore(t string) int {
	score := 0
	for _, w := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if filler[w] || utf8.RuneCountInString(w) < 3 {
			continue
		}
		score++
		if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
			score += 3
		}
	}
	if strings.Contains(t, "?") {
		score += 2
	}
	return min(score, 20)
}

// FuzzSummaryWords: squeezeSpace is strings.Join(strings.Fields(s), " ")
// and informativeness scores as its first version did, for any text.
func FuzzSummaryWords(f *testing.F) {
	for _, s := range []string{"", " ", "agent", "  voglio  un rimborso ", "ordine #A123?\n", "a\u00a0b", "grazie, ciao!", "x\u2028y", "\xff\xfe", "Ça va? 2 €"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := squeezeSpace(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("squeezeSpace(%q) = %q, want %q", s, got, want)
		}
		if got, want := informativeness(s), informativenessBefore(s); got != want {
			t.Errorf("informativeness(%q) = %d, want %d", s, got, want)
		}
	})
}
