package flows

import (
	"strings"
	"unicode/utf8"
)

// Suggest returns the candidate closest to name when it is close enough to
// be a likely typo (edit distance 1 for short names, up to a third of the
// length and at most 3 for longer ones), else the one candidate that name
// begins ("bill" → "billing", for 3 letters or more), else "". Ties go to the first
// candidate in sorted order, so suggestions are stable. It backs every "did
// you mean" Baton prints: flow keys and states, config keys, commands.
func Suggest(name string, candidates []string) string {
	if name == "" || len(name) > 64 {
		return ""
	}
	best, bestD := "", -1
	lname := strings.ToLower(name)
	for _, c := range candidates {
		if c == name || len(c) > 64 {
			continue
		}
		d := EditDistance(lname, strings.ToLower(c))
		if bestD < 0 || d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	limit := min(max(utf8.RuneCountInString(name)/3, 1), 3)
	if bestD >= 0 && bestD <= limit {
		return best
	}
	if utf8.RuneCountInString(name) < 3 {
		return ""
	}
	prefixed := ""
	for _, c := range candidates {
		if c != name && c != prefixed && strings.HasPrefix(strings.ToLower(c), lname) {
			if prefixed != "" {
				return "" // ambiguous
			}
			prefixed = c
		}
	}
	return prefixed
}

// EditDistance is the Damerau-Levenshtein distance (optimal string
// alignment) between a and b, in runes: "welcom" is 1 from "welcome", "sya"
// is 1 from "say". Names up to 64 runes are compared without allocating:
// suggestions run for every unknown name of a flow.
func EditDistance(a, b string) int {
	var sa, sb [64]rune
	ra, rb := toRunes(a, sa[:0]), toRunes(b, sb[:0])
	n, m := len(ra), len(rb)
	var rows [3][65]int
	var pp, p, c []int
	if m < len(rows[0]) {
		pp, p, c = rows[0][:m+1], rows[1][:m+1], rows[2][:m+1]
	} else {
		pp, p, c = make([]int, m+1), make([]int, m+1), make([]int, m+1)
	}
	// Three rolling rows: i-2, i-1 and i.
	for j := range p {
		p[j] = j
	}
	for i := 1; i <= n; i++ {
		c[0] = i
		for j := 1; j <= m; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			c[j] = min(p[j]+1, c[j-1]+1, p[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				c[j] = min(c[j], pp[j-2]+1)
			}
		}
		pp, p, c = p, c, pp
	}
	return p[m]
}

// toRunes decodes s into buf (growing it only past its capacity).
func toRunes(s string, buf []rune) []rune {
	for _, r := range s {
		buf = append(buf, r)
	}
	return buf
}
