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
// longer than a Telegram button's callback_data makes Telegram show the
// menu as numbered text; the loader warns at the option, and not for an
// id of exactly 64 bytes.
func TestMenuLongOptionID(t *testing.T) {
	long := strings.Repeat("x", 65)
	src := "flow: x\nlanguages: [it]\nstart: a\nstates:\n  a:\n    say: hi\n    menu:\n      style: text\n      options:\n" +
		"        - {label: \"Vorrei parlare con una persona del servizio clienti per il mio ordine\", goto: h}\n" +
		"        - {id: " + long + ", label: Due, goto: h}\n" +
		"        - {id: " + long[:64] + ", label: Tre, goto: h}\n" +
		"  h:\n    handoff: {}\n"
	_, ds := Load("m.yaml", []byte(src), noIncludes)
	got := diagText(ds)
	for _, want := range []string{
		`m.yaml:10:11: warning: option 1's id "vorrei_parlare_con_una_persona_del_servizio_clienti_per_il_mio_ordine" (made from its label) is 69 bytes; a Telegram button carries at most 64`,
		`m.yaml:11:11: warning: option 2's id "` + long + `" is 65 bytes;`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %s\n%s", want, got)
		}
	}
	if strings.Contains(got, "option 3's id") || ds.HasErrors() {
		t.Errorf("an id of 64 bytes is warned about, or the flow has errors:\n%s", got)
	}
}
