package nlu

import (
	"regexp"
	"strings"
)

var entEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

// extractEntities finds orders, e-mail addresses and phone numbers in raw
// and returns nil when there are none. Orders are codes of 1–4 letters and
// 4+ digits (A12345, ORD-2024-0001, #B70341), "#" and 4+ digits, or a bare
// number of 5–10 digits that is not a phone. Phones have 8–15 digits,
// possibly split by spaces, dots, dashes or brackets, and need a leading
// +, 11+ digits, or 9+ digits starting with 0 or 3 or written with
// separators. The scan is by hand: regular expressions cost tens of
// microseconds per message.
func extractEntities(raw string) map[string][]string {
	var out map[string][]string
	add := func(kind, v string) {
		if out == nil {
			out = map[string][]string{}
		}
		for _, x := range out[kind] {
			if x == v {
				return
			}
		}
		out[kind] = append(out[kind], v)
	}
	rest := raw
	if strings.IndexByte(raw, '@') >= 0 {
		for _, m := range entEmail.FindAllString(raw, -1) {
			add("email", m)
			rest = strings.Replace(rest, m, strings.Repeat(" ", len(m)), 1)
		}
	}
	if !hasDigit(rest) {
		return out
	}
	s := rest
	for i := 0; i < len(s); {
		if i > 0 && isAlnumByte(s[i-1]) || s[i] >= 0x80 {
			i++
			continue
		}
		if n := scanPhone(s, i); n > 0 {
			add("phone", strings.TrimSpace(s[i:i+n]))
			i += n
			continue
		}
		if n, code := scanOrder(s, i); n > 0 {
			add("order", code)
			i += n
			continue
		}
		i++
	}
	return out
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigitByte(s[i]) {
			return true
		}
	}
	return false
}

func isAlnumByte(c byte) bool {
	return isDigitByte(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c >= 0x80
}

func isLetterByte(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// endsWord reports whether s[i:] starts at a word boundary.
func endsWord(s string, i int) bool { return i >= len(s) || !isAlnumByte(s[i]) }

// scanOrder matches an order at s[i:] and returns its length and the code
// in upper case without "#".
func scanOrder(s string, i int) (int, string) {
	j := i
	if j < len(s) && s[j] == '#' {
		j++
	}
	start := j
	for j < len(s) && isLetterByte(s[j]) && j-start < 5 {
		j++
	}
	letters := j - start
	if letters > 4 {
		return 0, ""
	}
	if letters > 0 && j < len(s) && s[j] == '-' {
		j++
	}
	d := j
	for j < len(s) && isDigitByte(s[j]) {
		j++
	}
	digits := j - d
	switch {
	case letters > 0 && digits >= 4:
	case letters == 0 && s[i] == '#' && digits >= 4:
	case letters == 0 && s[i] != '#' && digits >= 5 && digits <= 10:
	default:
		return 0, ""
	}
	// -digits groups: ORD-2024-0001.
	for j+1 < len(s) && s[j] == '-' && isDigitByte(s[j+1]) && letters > 0 {
		k := j + 1
		for k < len(s) && isDigitByte(s[k]) {
			k++
		}
		j = k
	}
	if !endsWord(s, j) || (j < len(s) && (s[j] == '-' || s[j] == '/' || (s[j] == '.' || s[j] == ',') && j+1 < len(s) && isDigitByte(s[j+1]))) {
		return 0, ""
	}
	return j - i, strings.ToUpper(s[start:j])
}

// scanPhone matches a phone number at s[i:] and returns its length.
func scanPhone(s string, i int) int {
	j := i
	plus := false
	if j < len(s) && s[j] == '+' {
		plus = true
		j++
	}
	if j < len(s) && s[j] == '(' {
		j++
	}
	if j >= len(s) || !isDigitByte(s[j]) {
		return 0
	}
	first := s[j]
	digits, sep, dot := 0, false, false
	lastDigit := j
	for k := j; k < len(s) && k-i <= 22; k++ {
		c := s[k]
		switch {
		case isDigitByte(c):
			digits++
			lastDigit = k
		case c == ' ' || c == '-' || c == '(' || c == ')':
			sep = true
		case c == '.':
			dot = true
		default:
			k = len(s)
		}
	}
	end := lastDigit + 1
	if !endsWord(s, end) {
		return 0
	}
	if digits < 8 || digits > 15 {
		return 0
	}
	local := first == '0' || first == '3'
	if plus || digits >= 11 || (local && digits >= 9) || (sep && !dot && digits >= 9) {
		return end - i
	}
	return 0
}
