package dsl

import (
	"strings"
	"testing"
)

// TestDuplicateKeysInFreeMaps: a key written twice in a map whose keys the
// designer chooses (a text's languages, keywords, examples, synonyms, an
// http action's headers and body, a call's with: and save:) is an error,
// as in every other map; YAML would silently keep the last one.
func TestDuplicateKeysInFreeMaps(t *testing.T) {
	src := `flow: x
languages: [en, it]
start: a
nlu:
  intents:
    a: {en: [x], en: [y]}
  lexicon:
    wants_human: {en: [a person]}
    wants_human: {en: [someone]}
triggers:
  - name: t
    keywords: {en: [agent], en: [human]}
    goto: h
states:
  a:
    say: {en: hi, it: ciao, en: hello}
    http:
      url: https://x.example/
      headers: {A: b, A: c}
      body: {k: 1, k: 2}
      sandbox: [{status: 200}]
    menu:
      options:
        - {id: a, label: {en: A, it: A, en: AA}, synonyms: {en: [q], en: [r]}, goto: h}
  h:
    call: {subflow: s, with: {v: 1, v: 2}, save: {w: v, w: v}}
    next: h2
  h2:
    handoff: {}
subflows:
  s:
    vars: {v: 0}
    start: e
    states:
      e: {end: true}
`
	_, ds := Load("dup.yaml", []byte(src), noIncludes)
	got := diagText(ds)
	for _, want := range []string{
		`dup.yaml:6:18: error: duplicate key "en" in examples (first at line 6); keep one`,
		`dup.yaml:9:5: error: duplicate key "wants_human" in the lexicon (first at line 8); keep one`,
		`dup.yaml:12:29: error: duplicate key "en" in phrases by language (first at line 12); keep one`,
		`dup.yaml:16:29: error: duplicate key "en" in a text (first at line 16); keep one`,
		`dup.yaml:19:23: error: duplicate key "A" in headers (first at line 19); keep one`,
		`dup.yaml:20:20: error: duplicate key "k" in a body (first at line 20); keep one`,
		`dup.yaml:24:41: error: duplicate key "en" in a label (first at line 24); keep one`,
		`dup.yaml:24:70: error: duplicate key "en" in synonyms (first at line 24); keep one`,
		`dup.yaml:26:37: error: duplicate key "v" in with: (first at line 26); keep one`,
		`dup.yaml:26:57: error: duplicate key "w" in save: (first at line 26); keep one`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %s", want)
		}
	}
	if t.Failed() {
		t.Log(got)
	}
}
