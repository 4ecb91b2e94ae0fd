package nlu

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/batonbot/baton/flows"
)

// tokKind classifies a token.
type tokKind uint8

const (
	tokWord  tokKind = iota // letters and digits
	tokEmoji                // one emoji (variation selectors, skin tones and joiners dropped)
	tokPunct                // a run of one punctuation character: "!!!", "???", "?!"
	tokBreak                // a clause boundary that is not "!" or "?": . , ; : - and line breaks
)

// token is one unit of a message. text is folded (see foldWord): lower
// case, accents removed, full-width forms narrowed.
type token struct {
	text string
	kind tokKind
	// clause numbers the clause the token belongs to; punctuation starts a
	// new one.
	clause int
	// letters and upper count the letters of a word and how many of them
	// were upper case in the message; digits counts its digits.
	letters, upper, digits int
	// stretched: a letter was repeated three times or more ("nooo").
	stretched bool
}

// isWord reports whether t is a word made of letters only.
func (t *token) alpha() bool { return t.kind == tokWord && t.digits == 0 }

// foldTable maps Latin letters with diacritics (U+00C0–U+024F and
// U+1E00–U+1EFF) to their base letter, built once from Unicode
// decompositions so foldWord needs no transformer per call.
var foldTable = func() map[rune]rune {
	m := make(map[rune]rune, 600)
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			d := norm.NFD.String(string(r))
			b, _ := utf8.DecodeRuneInString(d)
			if b != r && b < 0x80 {
				m[r] = unicode.ToLower(b)
			}
		}
	}
	add(0x00C0, 0x024F)
	add(0x1E00, 0x1EFF)
	return m
}()

// foldRune returns r case-folded, without accents and narrowed from its
// full-width form. ok is false when r needs the general flows.Fold.
func foldRune(r rune) (rune, bool) {
	switch {
	case r < 0x80:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r, true
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		return foldRune(r - 0xFEE0)
	}
	if b, ok := foldTable[r]; ok {
		return b, true
	}
	if unicode.Is(unicode.Mn, r) {
		return 0, true // a combining accent: dropped
	}
	if unicode.IsLower(r) && unicode.ToUpper(r) != r && r < 0x0530 {
		return r, true
	}
	if unicode.IsUpper(r) && r < 0x0530 {
		return unicode.ToLower(r), true
	}
	return r, false
}

// isEmoji reports whether r is pictographic (emoji, symbols, dingbats).
func isEmoji(r rune) bool {
	return (r >= 0x1F000 && r <= 0x1FAFF) || (r >= 0x2600 && r <= 0x27BF) ||
		(r >= 0x2B00 && r <= 0x2BFF) || r == 0x2764 || r == 0x2122 || r == 0x00A9 || r == 0x00AE ||
		(r >= 0x2190 && r <= 0x21FF) || (r >= 0x2300 && r <= 0x23FF) || unicode.Is(unicode.So, r)
}

// isEmojiModifier reports runes that only modify the emoji before them.
func isEmojiModifier(r rune) bool {
	return r == 0x200D || r == 0xFE0E || r == 0xFE0F || (r >= 0x1F3FB && r <= 0x1F3FF) || r == 0x20E3 ||
		(r >= 0xE0020 && r <= 0xE007F)
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == '`' || r == 'ʼ' }

// tokenize splits a message into folded tokens: words (letters and
// digits), single emoji, runs of "!" and "?" ("!!!", "?!"), and clause
// breaks. English contractions ending in n't stay one word ("don't" →
// "dont"); other apostrophes split ("l'operatore" → "l", "operatore").
func tokenize(s string, toks []token) []token {
	clause := 0
	var word []byte
	var cur token
	inWord := false
	flush := func() {
		if inWord {
			n := len(word)
			word = squeeze(word)
			cur.stretched = len(word) < n
			cur.text = string(word)
			cur.kind = tokWord
			cur.clause = clause
			toks = append(toks, cur)
			word = word[:0]
			cur = token{}
			inWord = false
		}
	}
	var wbuf [64]byte
	word = wbuf[:0]
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		switch {
		case r == utf8.RuneError && size == 1:
			flush() // an invalid byte separates words
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (inWord && unicode.Is(unicode.Mn, r)):
			inWord = true
			if unicode.IsDigit(r) {
				cur.digits++
			} else if unicode.IsLetter(r) {
				cur.letters++
				if unicode.IsUpper(r) {
					cur.upper++
				}
			}
			f, ok := foldRune(r)
			if !ok {
				for _, fr := range flows.Fold(string(r)) {
					word = utf8.AppendRune(word, fr)
				}
			} else if f != 0 {
				word = utf8.AppendRune(word, f)
			}
		case isApostrophe(r) && inWord && len(word) > 0 && word[len(word)-1] == 'n' && i+size < len(s) &&
			(s[i+size] == 't' || s[i+size] == 'T') && (i+size+1 == len(s) || !isWordByte(s[i+size+1])):
			// "don't" → "dont": skip the apostrophe, keep the word going.
		case isEmojiModifier(r):
			// dropped
		case isEmoji(r):
			flush()
			toks = append(toks, token{text: s[i : i+size], kind: tokEmoji, clause: clause})
		case r == '!' || r == '?' || r == '¡' || r == '¿':
			flush()
			j := i + size
			for j < len(s) && (s[j] == '!' || s[j] == '?') {
				j++
			}
			if r == '¡' || r == '¿' {
				// opening marks only open a clause.
				clause++
				i = j
				continue
			}
			toks = append(toks, token{text: s[i:j], kind: tokPunct, clause: clause})
			clause++
			i = j
			continue
		case r == '-' && inWord && i+size < len(s) && isLetterAt(s, i+size):
			// "human-made", "e-mail": two words in the same clause.
			flush()
		case r == '.' || r == ',' || r == ';' || r == ':' || r == '\n' || r == '-' || r == '–' || r == '—' || r == '(' || r == ')':
			// "4,99" and "ORD-2024" stay inside the word.
			if inWord && i+size < len(s) && isDigitByte(s[i+size]) && (r == '-' || ((r == ',' || r == '.') && cur.digits > 0)) {
				word = append(word, byte(r))
				break
			}
			flush()
			toks = append(toks, token{text: string(rune(r)), kind: tokBreak, clause: clause})
			clause++
		default:
			flush()
		}
		i += size
	}
	flush()
	return toks
}

// isLetterAt reports whether s[i:] starts with a letter.
func isLetterAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

func isWordByte(c byte) bool {
	return c >= 0x80 || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// squeeze shortens a run of three or more of the same ASCII letter to one:
// "operatoreee" → "operatore", "pleeease" → "please", "nooo" → "no". A
// word that is one letter repeated keeps three of it: "bbb" (the Better
// Business Bureau) is not "b", the choice in "scelgo la b".
func squeeze(w []byte) []byte {
	if len(w) >= 3 && allSame(w) {
		return w[:3]
	}
	out := w[:0]
	for i := 0; i < len(w); {
		j := i + 1
		for j < len(w) && w[j] == w[i] {
			j++
		}
		c := w[i]
		if j-i >= 3 && ('a' <= c && c <= 'z') {
			out = append(out, c)
		} else {
			out = append(out, w[i:j]...)
		}
		i = j
	}
	return out
}

func allSame(w []byte) bool {
	for _, c := range w[1:] {
		if c != w[0] {
			return false
		}
	}
	return true
}
