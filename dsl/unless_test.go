package dsl

import (
	"reflect"
	"strings"
	"testing"
)

// TestUnless reads a trigger's unless: phrases, as a list or by language,
// and reports a value that is not phrases.
func TestUnless(t *testing.T) {
	head := "flow: x\nlanguages: [it, en]\nstart: s\nstates:\n  s:\n    say: hi\n    routes: [{keywords: [ok], goto: s}]\n"
	f, ds := Load("x.yaml", []byte(head+`triggers:
  - name: human
    keywords: {it: [agente, operatore], en: agent}
    unless: {it: [agente immobiliare, "operatore ecologico"], en: [Travel Agent]}
    goto: s
`))
	if f == nil || ds.HasErrors() {
		t.Fatal(ds.Err())
	}
	u := f.Triggers[0].Unless
	want := [][]string{{"agente", "immobiliare"}, {"operatore", "ecologico"}, {"travel", "agent"}}
	if u == nil || !reflect.DeepEqual(u.Phrases, want) {
		t.Fatalf("unless = %+v, want phrases %v", u, want)
	}
	_, ds = Load("x.yaml", []byte(head+"triggers:\n  - name: human\n    keywords: [agent]\n    unless: {x: 1}\n    goto: s\n"))
	if !ds.HasErrors() || !strings.Contains(ds.Err().Error(), "x.yaml:11:") {
		t.Errorf("a bad unless: %v, want an error at x.yaml:11", ds.Err())
	}
}

// TestIntentExamplesAnyLanguage: an intent's examples may be in a language
// the flow does not speak (customers write in it), but must name one.
func TestIntentExamplesAnyLanguage(t *testing.T) {
	head := "flow: x\nlanguages: [it]\nstart: s\nstates:\n  s:\n    say: ciao\n    routes: [{intent: refund, goto: s}, {intent: hello, goto: s}]\n"
	f, ds := Load("x.yaml", []byte(head+"nlu:\n  intents:\n    refund: {it: [rimborso], es: [reembolso, devolución]}\n    hello: [ciao, hola]\n"))
	if f == nil || ds.HasErrors() {
		t.Fatal(ds.Err())
	}
	if got := f.NLU.Intents[0].Examples["es"]; !reflect.DeepEqual(got, []string{"reembolso", "devolución"}) {
		t.Errorf("es examples = %v", got)
	}
	_, ds = Load("x.yaml", []byte(head+"nlu:\n  intents:\n    refund: {Spanish: [reembolso]}\n    hello: [ciao]\n"))
	if !ds.HasErrors() || !strings.Contains(ds.Err().Error(), "not a language code") {
		t.Errorf("a bad language code: %v", ds.Err())
	}
}
