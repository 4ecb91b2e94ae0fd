package dsl

import (
	"strings"
	"testing"
)

// TestSurveyWithoutNext: a survey: state without next: keeps the
// conversation there after the score, silent, and takes the customer's
// next message as another score (a second survey_answered); validate
// warns.
func TestSurveyWithoutNext(t *testing.T) {
	src := `flow: s
languages: [en]
start: a
triggers:
  - name: human
    keywords: [agent]
    handoff: {team: support}
states:
  a:
    say: hi
    next: csat
  csat:
    survey: {kind: csat, question: "From 1 to 5?"}
`
	_, ds := Load("s.yaml", []byte(src))
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
	}
	want := `s.yaml:12:3: warning: state "csat" asks a survey but has no next:: after the score the conversation stays there, silent, and takes the next message as another score; add next: with where the conversation goes (a goodbye with end: true)`
	if !strings.Contains(strings.Join(got, "\n"), want) {
		t.Errorf("diagnostics lack\n%s\ngot:\n%s", want, strings.Join(got, "\n"))
	}
	_, ds = Load("s.yaml", []byte(src+"    next: bye\n  bye: {say: bye, end: true}\n"))
	for _, d := range ds {
		if strings.Contains(d.String(), "asks a survey") {
			t.Errorf("a survey with next: is warned: %s", d)
		}
	}
}
