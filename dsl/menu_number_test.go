package dsl

import (
	"strings"
	"testing"
)

// TestMenuNumericLabelShadowed: typing a number picks the option at that
// position, before labels are matched, so an option labelled "3" that is
// not option 3 cannot be chosen by typing its label; the loader warns at
// the option, saying which option the customer gets and how to fix it. A
// numeric label that is its own number, or that no option's number is,
// is fine.
func TestMenuNumericLabelShadowed(t *testing.T) {
	src := "flow: x\nlanguages: [en, it]\nstart: a\nstates:\n  a:\n    say: hi\n    menu:\n      options:\n" +
		"        - {id: a, label: {en: \"3\", it: \"3\"}, goto: h}\n" +
		"        - {id: b, label: \"2\", goto: h}\n" +
		"        - {id: c, label: {en: Other, it: Altro}, synonyms: [\"1\", other one], goto: h}\n" +
		"        - {id: d, label: \"7\", goto: h}\n" +
		"  h:\n    handoff: {}\n"
	_, ds := Load("m.yaml", []byte(src), noIncludes)
	got := diagText(ds)
	for _, want := range []string{
		`m.yaml:9:11: warning: option 1's label "3" is also option 3's number: a customer who types 3 gets option 3 ("Other"), not this one; give this option a label that is not a number, or move it to position 3`,
		`m.yaml:11:11: warning: option 3's synonym "1" is also option 1's number: a customer who types 1 gets option 1 ("3"), not this one; drop the synonym or make it a word`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %s\n%s", want, got)
		}
	}
	if n := strings.Count(got, "is also option"); n != 2 {
		t.Errorf("%d warnings about numbers, want 2:\n%s", n, got)
	}
}
