package dsl

import (
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
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
	got := diagText(ds)
	for _, want := range []string{
		`m.yaml:10:11: error: options 1 and 2 have the same it label "si": typing it chooses neither; reword one`,
		`m.yaml:11:11: error: options 1 and 3 have the same en label "yes ": typing it chooses neither; reword one`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %s\n%s", want, got)
		}
	}
}

// TestMenuLongOptionID: an option id (written, or made from the label)
// longer than a Telegram button's callback_data loads without a word:
// channels send it as its flows.OptionToken. An id that is another
// option's token is an error: a tap on it could mean either.
func TestMenuLongOptionID(t *testing.T) {
	long := strings.Repeat("x", 65)
	src := "flow: x\nlanguages: [it]\nstart: a\nstates:\n  a:\n    say: hi\n    menu:\n      style: text\n      options:\n" +
		"        - {label: \"Vorrei parlare con una persona del servizio clienti per il mio ordine\", goto: h}\n" +
		"        - {id: " + long + ", label: Due, goto: h}\n" +
		"        - {id: " + strings.Repeat("ψ", 40) + ", label: Tre, goto: h}\n" +
		"  h:\n    handoff: {}\n"
	_, ds := Load("m.yaml", []byte(src), noIncludes)
	if got := diagText(ds); strings.Contains(got, "option") || ds.HasErrors() {
		t.Errorf("long option ids are diagnosed:\n%s", got)
	}
	src = strings.Replace(src, "label: Tre", "label: Tre}\n        - {id: \""+flows.OptionToken(long)+"\", label: Quattro", 1)
	_, ds = Load("m.yaml", []byte(src), noIncludes)
	want := `m.yaml:13:11: error: option 4's id "` + flows.OptionToken(long) + `" is the button token a channel sends for option 2's long id`
	if got := diagText(ds); !strings.Contains(got, want) {
		t.Errorf("diagnostics lack %s\n%s", want, got)
	}
}
