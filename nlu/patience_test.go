package nlu

import "testing"

// TestPatienceCategories checks the categories added after the holdout3
// measurement (patience.go and the lexicon sections on disappointment, mild
// threats and rhetorical questions), each with phrasings written for this
// test: none is from the dev set, fresh.jsonl, holdout2.jsonl or
// holdout3.jsonl. Calm reports of the same facts must stay not frustrated.
func TestPatienceCategories(t *testing.T) {
	a := newTestAnalyzer(t)
	cases := []struct {
		text string
		want bool
	}{
		// An elapsed time framed as endured, or with nothing happening yet.
		{"sono due mesi che aspetto la lavastoviglie", true},
		{"è da stamattina che provo a fare il login", true},
		{"dodici giorni e ancora nulla del mio rimborso", true},
		{"five days and still no sign of my parcel", true},
		{"llevamos tres semanas esperando la factura", true},
		{"ya van diez días y todavía nada", true},
		// The same facts reported calmly.
		{"ho pagato 4 giorni fa, quando spedite?", false},
		{"aspetto la lavastoviglie da una settimana, potete darmi il tracking?", false},
		{"I returned the kettle 12 days ago, could you check the refund please?", false},
		{"still waiting for the parcel, no rush though", false},
		{"pedí el libro hace 5 días, cuándo llega?", false},
		{"posso avere il rimborso entro 14 giorni?", false},
		{"can I return it within 30 days for a refund?", false},
		{"sono cliente da 3 anni, ci sono sconti?", false},
		// The time set against what it bought.
		{"three weeks for a phone case?", true},
		{"un mese per cambiare un indirizzo?", true},
		// Repetitions in vain.
		{"I have written to you five times about this invoice", true},
		{"ho chiamato quattro volte e nessuno sa darmi una risposta", true},
		{"les he escrito tres veces por la devolución", true},
		{"ho provato 2 volte, mi dice carta non valida", false},
		{"quarta volta che compro da voi e sempre puntuali", false},
		// Courtesy turned sour.
		{"cortesemente, per la quarta volta: dov'è il mio ordine?", true},
		{"kindly, I've called three times already", true},
		{"gentilmente, potreste dirmi quando arriva?", false},
		// Disappointment.
		{"mi aspettavo molto di più da voi", true},
		{"credevo foste un negozio affidabile", true},
		{"I expected a lot more from your brand", true},
		{"esperaba bastante más de esta tienda", true},
		{"it's smaller than I expected, can I swap it?", false},
		// Mild threats and resignation.
		{"la prossima volta ci penserò due volte", true},
		{"I'd think twice before recommending you", true},
		{"voy a pensarlo dos veces antes de pedir otra vez", true},
		{"mi rivolgerò a un'associazione dei consumatori", true},
		{"why do I even bother writing to you", true},
		// Sarcastic praise of something broken.
		{"il carrello va alla grande, si svuota da solo ogni volta", true},
		{"the login works great, it kicks me out every minute", true},
		{"qué maravilla, otra vez sin poder pagar", true},
		{"il nuovo sito va alla grande, complimenti!", false},
	}
	for _, tc := range cases {
		if got := rulesFrustrated(a, tc.text); got != tc.want {
			t.Errorf("%q: the rules' frustrated = %v, want %v", tc.text, got, tc.want)
		}
	}
}
