package flows

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

var foldCaser = cases.Fold()

// Fold returns s in the form Baton compares text in: case-folded, accents
// removed, compatibility forms unified (full-width letters, ligatures) and
// emoji variation selectors dropped. "Spedizióne" and "ＳＰＥＤＩＺＩＯＮＥ"
// both fold to "spedizione". ASCII input takes a fast path.
func Fold(s string) string {
	ascii := true
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	if ascii {
		if !upper {
			return s
		}
		b := make([]byte, len(s))
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		return string(b)
	}
	t := transform.Chain(norm.NFKD, runes.Remove(runes.Predicate(isDroppedMark)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return foldCaser.String(out)
}

func isDroppedMark(r rune) bool {
	return unicode.Is(unicode.Mn, r) || r == '\uFE0E' || r == '\uFE0F'
}

// Words splits folded text into words: runs of letters and digits, keeping
// inner apostrophes out ("dov'e" → "dov", "e"). Emoji and punctuation are
// dropped; use it for keyword and menu matching, not for NLU features.
func Words(folded string) []string {
	return strings.FieldsFunc(folded, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
