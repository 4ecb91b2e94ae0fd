package flows

import (
	"sort"
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
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	best, bestD := "", -1
	lname := strings.ToLower(name)
	for _, c := range sorted {
		if c == name || len(c) > 64 {
			continue
		}
		if d := EditDistance(lname, strings.ToLower(c)); bestD < 0 || d < bestD {
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
	for _, c := range sorted {
		if c != name && strings.HasPrefix(strings.ToLower(c), lname) {
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
// is 1 from "say".
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	n, m := len(ra), len(rb)
	// Three rolling rows: i-2, i-1 and i.
	pp, p, c := make([]int, m+1), make([]int, m+1), make([]int, m+1)
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
