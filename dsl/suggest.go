package dsl

import "github.com/batonbot/baton/flows"

// didYouMean returns `; did you mean "x"?` for the candidate closest to
// name, or "" when none is close enough to be a likely typo.
func didYouMean(name string, candidates []string) string {
	if s := flows.Suggest(name, candidates); s != "" {
		return `; did you mean "` + s + `"?`
	}
	return ""
}
