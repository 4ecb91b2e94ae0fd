package dsl

import (
	"strings"
	"testing"
)

// TestMenuDuplicateLabels: two options of one menu with the same label in
// a language (ignoring case and accents, as matching does) can never be
// chosen by typing it, a tie; the loader says so at the second option.
func TestMenuDuplicateLabels(t *testing.T) {
	src := "flow: x\nlanguages: [en, it]\nstart: a\nstates:\n  a:\n    say: hi\n    menu:\n      options:\n" +
		"        - {id: a, label: {en: Yes, it: Sì}, goto: h}\n" +
		"        - {id: b, label: {en: No, it: si}, goto: h}\n" +
		"        - {id: c, label: {en: \"yes \", it: Forse}, goto: h}\n" +
		"  h:\n    handoff: {}\n"
	_, ds := Load("m.yaml", []byte(src), noIncludes)
	var b strings.Builder
	ds.Print(&b)
	got := b.String()
	for _, want := range []string{
		`m.yaml:10:11: error: options 1 and 2 have the same it label "si": typing it chooses neither; reword one`,
		`m.yaml:11:11: error: options 1 and 3 have the same en label "yes ": typing it chooses neither; reword one`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %s\n%s", want, got)
		}
	}
}
