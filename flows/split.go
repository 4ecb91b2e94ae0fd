package flows

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SplitText cuts s into parts of at most max characters (runes) each, for
// channels that limit a message's length (WhatsApp and Telegram: 4,096).
// It cuts at the last paragraph break, else line break, else sentence end,
// else space within a part, and only mid-word when a part has none in its
// second half; it never cuts inside a character. Parts are trimmed of the
// spaces at the cut; s itself comes back whole when it fits.
func SplitText(s string, max int) []string {
	return splitText(s, max, func(rune) int { return 1 })
}

// SplitTextUTF16 is SplitText counting UTF-16 code units, the way Telegram
// counts a message's length (an emoji outside the BMP counts 2).
func SplitTextUTF16(s string, max int) []string {
	return splitText(s, max, func(r rune) int {
		if r >= 0x10000 {
			return 2
		}
		return 1
	})
}

func splitText(s string, max int, width func(rune) int) []string {
	if max < 1 {
		max = 1
	}
	var parts []string
	for s != "" {
		end, n := 0, 0 // byte offset of the longest prefix that fits
		for i, r := range s {
			if n+width(r) > max {
				break
			}
			n += width(r)
			end = i + utf8.RuneLen(r)
		}
		if end == len(s) {
			parts = append(parts, s)
			break
		}
		if end == 0 { // max smaller than one character's width: take it anyway
			_, size := utf8.DecodeRuneInString(s)
			end = size
		}
		cut := breakPoint(s[:end])
		if cut == end {
			cut = clusterStart(s, cut)
		}
		part := strings.TrimRightFunc(s[:cut], unicode.IsSpace)
		if part != "" {
			parts = append(parts, part)
		}
		s = strings.TrimLeftFunc(s[cut:], unicode.IsSpace)
	}
	return parts
}

// breakPoint returns where to cut head (a prefix that fits): after the
// last paragraph break, line break, sentence end or space in its second
// half, else at its end.
func breakPoint(head string) int {
	half := len(head) / 2
	for _, sep := range []string{"\n\n", "\n", ". ", "! ", "? ", " "} {
		if i := strings.LastIndex(head, sep); i >= half && i > 0 {
			return i + len(sep)
		}
	}
	for i := len(head); i > half; { // any other space (tabs, NBSP...)
		r, size := utf8.DecodeLastRuneInString(head[:i])
		if unicode.IsSpace(r) {
			return i
		}
		i -= size
	}
	return len(head)
}

// Clip shortens s to at most max characters, ending with "…" when it cut,
// for labels with a hard limit (a WhatsApp list row's description).
func Clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max < 1 {
		return ""
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return strings.TrimRightFunc(s[:clusterStart(s, i)], unicode.IsSpace) + "…"
		}
		n++
	}
	return s
}

// clusterStart moves a cut at byte i of s back to the start of the
// character a reader sees there (a grapheme cluster, approximately: a
// letter and its combining marks, an emoji with its modifiers, variation
// selectors and zero-width-joined parts, a flag's two regional
// indicators, CR LF), so that no part ends in half of one. A cluster
// that starts at 0 leaves i as it is: it is longer than a part, and is
// cut anyway.
func clusterStart(s string, i int) int {
	for j := i; j > 0 && j < len(s); {
		if !joined(s, j) {
			return j
		}
		_, size := utf8.DecodeLastRuneInString(s[:j])
		j -= size
	}
	return i
}

// joined reports whether the runes either side of byte j of s belong to
// one cluster.
func joined(s string, j int) bool {
	next, _ := utf8.DecodeRuneInString(s[j:])
	prev, _ := utf8.DecodeLastRuneInString(s[:j])
	switch {
	case prev == '\u200d', // zero width joiner: 👩‍💻
		prev == '\r' && next == '\n',
		next == '\u200d',
		unicode.In(next, unicode.Mn, unicode.Me, unicode.Mc, unicode.Variation_Selector),
		next >= 0x1F3FB && next <= 0x1F3FF, // skin tones
		next >= 0xE0020 && next <= 0xE007F: // tags (subdivision flags)
		return true
	case isRegional(next) && isRegional(prev): // a flag is a pair: joined after an odd count
		n := 0
		for k := j; k > 0; {
			r, size := utf8.DecodeLastRuneInString(s[:k])
			if !isRegional(r) {
				break
			}
			n++
			k -= size
		}
		return n%2 == 1
	}
	return false
}

func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }
