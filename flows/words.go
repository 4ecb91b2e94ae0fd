package flows

import (
	"strconv"
	"strings"
)

// Plural writes n and a noun for messages, in the plural unless n is 1:
// "1 state", "3 errors", "2 directories", "2 days".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + plural(noun)
}

// plural is noun's regular English plural: a consonant and y become
// "ies", anything else takes an "s".
func plural(noun string) string {
	if s, ok := strings.CutSuffix(noun, "y"); ok && s != "" && !strings.ContainsAny(s[len(s)-1:], "aeiou") {
		return s + "ies"
	}
	return noun + "s"
}
