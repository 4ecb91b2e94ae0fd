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
			return strings.TrimRightFunc(s[:i], unicode.IsSpace) + "…"
		}
		n++
	}
	return s
}
