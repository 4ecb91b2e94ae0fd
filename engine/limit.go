package engine

import (
	"strconv"
	"unicode/utf8"
)

// cutMessage keeps the first max bytes of text, on a rune boundary, and
// returns how many bytes it dropped.
func cutMessage(text string, max int) (string, int) {
	if len(text) <= max {
		return text, 0
	}
	n := max
	for n > 0 && !utf8.RuneStart(text[n]) {
		n--
	}
	return text[:n], len(text) - n
}

// cutMark is what the transcript shows after a message cut to the
// engine's limit: "[… 12288 bytes cut]".
func cutMark(cut int) string {
	return " [… " + strconv.Itoa(cut) + " bytes cut]"
}
