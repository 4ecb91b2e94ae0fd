package dsl

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// didYouMean returns `; did you mean "x"?` for the candidate closest to
// name, or "" when none is close enough to be a likely typo.
func didYouMean(name string, candidates []string) string {
	if s := closest(name, candidates); s != "" {
		return `; did you mean "` + s + `"?`
	}
	return ""
}

// closest returns the candidate at the smallest edit distance from name,
// provided the distance is small for the name's length (1 for short names,
// up to a third of the length for longer ones); ties go to the first
// candidate in sorted order, so suggestions are stable.
func closest(name string, candidates []string) string {
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
		d := editDistance(lname, strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := utf8.RuneCountInString(name) / 3
	if limit < 1 {
		limit = 1
	}
	if limit > 3 {
		limit = 3
	}
	if bestD < 0 || bestD > limit {
		return ""
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (optimal string
// alignment) between a and b, in runes: "welcom" is 1 from "welcome",
// "sya" is 1 from "say".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	n, m := len(ra), len(rb)
	d := make([][]int, n+1)
	for i := range d {
		d[i] = make([]int, m+1)
		d[i][0] = i
	}
	for j := 0; j <= m; j++ {
		d[0][j] = j
	}
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[n][m]
}
