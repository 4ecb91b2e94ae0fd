package flows

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// foldChains pools the normalising transform: building a transform.Chain
// allocates a few kilobytes, and Fold runs on every non-ASCII message.
var foldChains = sync.Pool{New: func() any {
	return transform.Chain(norm.NFKD, runes.Remove(runes.Predicate(isDroppedMark)), norm.NFC, cases.Fold())
}}

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
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if out, ok := foldTable(s); ok {
		return out
	}
	return foldSlow(s)
}

// foldSlow folds any text through the x/text transform chain.
func foldSlow(s string) string {
	t := foldChains.Get().(transform.Transformer)
	out, _, err := transform.String(t, s) // String resets t first
	foldChains.Put(t)
	if err != nil {
		return strings.ToLower(s)
	}
	return out
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

// foldRunes holds the folded form of the Latin-1, Latin Extended and
// full-width runes, the non-ASCII letters of nearly every message Baton sees,
// computed once with foldSlow so both paths agree.
var foldRunes = func() map[rune]string {
	m := make(map[rune]string, 0x2B0+0x5F)
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			m[r] = foldSlow(string(r))
		}
	}
	add(0x80, 0x24F)    // Latin-1 Supplement, Latin Extended-A and -B
	add(0xFF01, 0xFF5E) // full-width ASCII
	return m
}()

// foldTable folds s rune by rune with foldRunes; ok is false when s has a
// rune outside the table (another script), for foldSlow to handle.
func foldTable(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
		case r == '\uFE0E' || r == '\uFE0F' || (0x300 <= r && r <= 0x36F):
			// variation selectors and combining accents are dropped
		default:
			if f, ok := foldRunes[r]; ok {
				b.WriteString(f)
			} else if unicode.IsLetter(r) || unicode.IsMark(r) || hasCompat(r) {
				return "", false
			} else {
				b.WriteRune(r) // emoji, symbols, punctuation: as they are
			}
		}
	}
	return b.String(), true
}

// hasCompat reports whether r changes under NFKD (a compatibility form such
// as a vertical bracket or a circled digit).
func hasCompat(r rune) bool {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	return len(norm.NFKD.Properties(buf[:n]).Decomposition()) > 0
}
