package flows

import "strconv"

// Plural writes n and a noun for messages, adding an "s" unless n is 1:
// "1 state", "3 errors".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
