package dsl

import (
	"strings"
	"testing"
)

// TestCollectWithoutNext: a collect: state without next: keeps the
// conversation there once every slot is filled, where each message is a
// no-match; validate warns.
func TestCollectWithoutNext(t *testing.T) {
	src := `flow: c
languages: [en]
start: a
timezone: Europe/Rome
vars: {d: ""}
triggers:
  - name: human
    keywords: [agent]
    handoff: {team: support}
states:
  a:
    say: when?
    collect:
      - {save_as: d, entity: date, prompt: "day?"}
`
	_, ds := Load("c.yaml", []byte(src))
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
	}
	want := `c.yaml:11:3: warning: state "a" collects slots but has no next:: once they are all filled, every message is a no-match there; add next: with where the conversation goes`
	if !strings.Contains(strings.Join(got, "\n"), want) {
		t.Errorf("diagnostics lack\n%s\ngot:\n%s", want, strings.Join(got, "\n"))
	}
}
