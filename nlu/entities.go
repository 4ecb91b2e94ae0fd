package nlu

import (
	"regexp"
	"strings"
)

var (
	entEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	// Order codes: letters then digits (A12345, ORD-2024-0001, #B70341) or
	// a hash and digits (#12345).
	entOrder = regexp.MustCompile(`(?:^|[^\p{L}\p{N}@.])(#?[A-Za-z]{1,4}-?\d{4,}(?:-\d+)*|#\d{4,})(?:$|[^\p{L}\p{N}@])`)
	// Bare numbers of 5 to 10 digits are orders unless they look like a
	// phone (see entPhone).
	entNumber = regexp.MustCompile(`(?:^|[^\p{L}\p{N}#+\-.,/])(\d{5,10})(?:$|[^\p{L}\p{N}\-/])`)
	// Phones: an optional +, then digits with spaces, dots, dashes or
	// brackets; 8 to 15 digits in all. A bare run needs a + or 11+ digits,
	// or to start with 0 or 3 (local and mobile numbers) and have 9+.
	entPhone = regexp.MustCompile(`(?:^|[^\p{L}\p{N}#])(\+?\(?\d[\d .\-()]{6,18}\d)`)
)

// extractEntities finds orders, e-mail addresses and phone numbers in raw.
// It returns nil when there are none.
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
	for _, m := range entEmail.FindAllString(raw, -1) {
		add("email", m)
		rest = strings.Replace(rest, m, " ", 1)
	}
	phones := map[string]bool{}
	for _, m := range entPhone.FindAllStringSubmatch(rest, -1) {
		p := strings.TrimRight(m[1], " .-(")
		digits := 0
		sep := false
		for i := 0; i < len(p); i++ {
			switch c := p[i]; {
			case c >= '0' && c <= '9':
				digits++
			default:
				sep = sep || c == ' ' || c == '-' || c == '(' || c == '.'
			}
		}
		plus := strings.HasPrefix(p, "+")
		first := strings.TrimLeft(p, "+(")
		local := len(first) > 0 && (first[0] == '0' || first[0] == '3')
		if digits < 8 || digits > 15 {
			continue
		}
		if plus || digits >= 11 || (local && digits >= 9) || (sep && digits >= 9 && !strings.Contains(p, ".")) {
			add("phone", p)
			phones[digitsOf(p)] = true
		}
	}
	for _, m := range entOrder.FindAllStringSubmatch(rest, -1) {
		add("order", strings.ToUpper(strings.TrimPrefix(m[1], "#")))
	}
	for _, m := range entNumber.FindAllStringSubmatch(rest, -1) {
		if !phones[m[1]] && !phonePart(phones, m[1]) {
			add("order", m[1])
		}
	}
	return out
}

func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func phonePart(phones map[string]bool, d string) bool {
	for p := range phones {
		if strings.Contains(p, d) {
			return true
		}
	}
	return false
}
