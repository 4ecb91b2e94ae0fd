package nlu

import "testing"

// TestResignation checks the round-four categories (resigned.go, the
// ordinal count of contacts and the "is it normal?" question in
// patience.go, and the lexicon sections on resignation and being bounced
// around) with phrasings written for this test: none is from the dev
// set, the corpus or any testdata/*.jsonl. Calm look-alikes stay calm.
func TestResignation(t *testing.T) {
	a := newTestAnalyzer(t)
	cases := []struct {
		text string
		want bool
	}{
		// A resignation phrase closing its clause.
		{"lasciamo perdere, tanto è uguale", true},
		{"vabbè. aspetterò ancora", true},
		{"whatever, keep the money", true},
		{"forget it, I'll buy the lamp somewhere else", true},
		{"olvídalo, ya lo compro en otro lado", true},
		{"pues nada, a seguir esperando", true},
		// Weariness: the usual failure, closing a clause.
		{"e niente, come al solito.", true},
		{"il corriere non è passato. come al solito", true},
		{"no reply to my email, as usual.", true},
		{"fine. I'll wait another week, like always", true},
		{"otra semana sin noticias. lo de siempre", true},
		{"tarde, como de costumbre", true},
		// The same words going on, or with praise.
		{"come al solito vorrei il ritiro in negozio", false},
		{"as usual I'd like it gift wrapped", false},
		{"perfect as usual, thank you!", false},
		{"lo de siempre, dos cajas de té por favor", false},
		// The same words going on to an object or a choice.
		{"lascia perdere la seconda domanda, ho risolto", false},
		{"whatever colour you have in stock is fine", false},
		{"da igual la talla, me sirve la que haya", false},
		{"lo que sea que llegue antes", false},
		// Resigned or bounced around wherever it is said.
		{"ok, fate come vi pare con il mio reso", true},
		{"do whatever you want with the order", true},
		{"hagan lo que quieran con la factura", true},
		{"mi avete rimbalzato tra tre numeri diversi", true},
		{"I keep getting bounced around between teams", true},
		{"llevo toda la mañana de un lado para otro con esto", true},
		// Contacts counted with an ordinal.
		{"fourth email about the same blender", true},
		{"this is the 3rd time writing to you about the voucher", true},
		{"quinta telefonata per lo stesso divano", true},
		{"tercera vez que les escribo por la lavadora", true},
		{"fourth order from you this year, always on time", false},
		{"terza volta che compro il tè da voi", false},
		// A wait asked about as a question of what is normal.
		{"ancora nulla dopo 4 giorni, è normale per la Sardegna?", false},
		{"still no tracking after 2 days, is that usual for you guys?", true},
		{"todavía nada después de 3 días, ¿es normal con este envío?", false},
	}
	s := &scratch{}
	for _, tc := range cases {
		a.prepare(s, tc.text)
		got := s.mood.frustrated || s.mood.contacts && !s.mood.calm
		if got != tc.want {
			t.Errorf("%q: the rules' frustrated = %v (score %.2f), want %v", tc.text, got, s.mood.total, tc.want)
		}
	}
}

// TestContactsDecide: an ordinal count of contacts is frustrated whatever
// the model says; a customer who says they are calm is not.
func TestContactsDecide(t *testing.T) {
	a := newTestAnalyzer(t)
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"3rd msg i send abt the voucher", true},
		{"è il quarto messaggio che mando per il divano", true},
		{"quinto messaggio, ma nessuna fretta, quando potete", false},
	} {
		s := &scratch{}
		a.prepare(s, tc.text)
		if s.fr != tc.want {
			t.Errorf("%q: frustrated = %v, want %v", tc.text, s.fr, tc.want)
		}
	}
}
