package nlu

import (
	"slices"
	"testing"
)

// TestTopicCategories checks the topic cues added with holdout4 (see
// testdata/README.md, "intent conventions"), each with phrasings written
// for this test and found in no data set: stretched greetings, discount
// codes that did not work (billing in the dev set), deleting an account
// (cancellation).
func TestTopicCategories(t *testing.T) {
	a := newTestAnalyzer(t)
	s := &scratch{}
	for _, tc := range []struct {
		text, topic string
		want        bool
	}{
		{"heyy", "greeting", true},
		{"ciaoo a tutti", "greeting", true},
		{"holaa buenas", "greeting", true},
		{"hii", "greeting", true},
		{"too late", "greeting", false},
		{"il coupon di benvenuto non funziona", "money", true},
		{"promo code WINTER says expired", "money", true},
		{"lo sconto non è stato applicato all'ordine", "money", true},
		{"el cupón no se aplicó al pagar", "money", true},
		{"come elimino il mio account?", "cancel", true},
		{"can you close down my account", "cancel", true},
		{"necesito borrar la cuenta", "cancel", true},
		{"how do I switch off auto-renewal", "cancel", true},
		{"non riesco ad accedere al mio account", "cancel", false},
		// Round three: no longer wanting, pausing, withdrawing, leaving
		// (cancellation); money taken or held back (billing).
		{"the lamp? I no longer want it", "cancel", true},
		{"we'd like to terminate the agreement", "cancel", true},
		{"quiero rescindir la membresía", "cancel", true},
		{"potete mettere in pausa la consegna mensile?", "cancel", true},
		{"la scatola del mese non mi serve più", "cancel", true},
		{"ya no necesito la tarjeta de socio", "cancel", true},
		{"il negozio fa la pausa pranzo?", "cancel", false},
		{"sorry, I've changed my mind about the rug", "cancel", true},
		{"ho cambiato idea sul tappeto, non speditelo", "cancel", true},
		{"quiero dejar de recibir las cápsulas", "cancel", true},
		{"perché non spedite in Svizzera?", "cancel", false},
		{"you overcharged me for the lamp", "money", true},
		{"vedo un prelievo di 12 euro dal conto", "money", true},
		{"hay un cargo raro en mi tarjeta", "money", true},
	} {
		a.prepare(s, tc.text)
		got := slices.Contains(s.topics, cueHash("topic:"+tc.topic))
		if got != tc.want {
			t.Errorf("%q: topic %s = %v, want %v", tc.text, tc.topic, got, tc.want)
		}
	}
}

func TestUnstretch(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"ciaoo", "ciao", true},
		{"heyy", "hey", true},
		{"holaa", "hola", true},
		{"bill", "", false},
		{"oo", "", false},
		{"ciao", "", false},
	} {
		got, ok := unstretch(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("unstretch(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestChargedCancelled(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"mi avete addebitato il mese dopo che avevo annullato? anzi, l'abbonamento era disdetto", true},
		{"they billed me twice for a box I had canceled", true},
		{"me cobran un plan que ya está cancelado", true},
		{"cancel my plan, you keep charging me", false},
		{"annullate l'ordine, non voglio essere addebitato", false},
	} {
		if got := chargedCancelled(tokenize(tc.text, nil)); got != tc.want {
			t.Errorf("%q: chargedCancelled = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestThanksDone checks the thanks_done cue with phrasings from no data
// set: thanks for something that came, and thanks with a complaint, a
// negation ("nothing" too) or a question.
func TestThanksDone(t *testing.T) {
	a := newTestAnalyzer(t)
	s := &scratch{}
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"the replacement charger arrived, thanks a lot", true},
		{"ricevuto il buono, grazie mille", true},
		{"ya me llegó la nota de crédito, gracias", true},
		{"thanks, the refund arrived but it's short by 5 euros", false},
		{"grazie, ma il pacco non è arrivato", false},
		{"thanks! has it arrived at the depot?", false},
		{"gracias por responder", false},
		{"nothing has come yet, thanks", false},
		{"niente ricevuto, grazie", false},
		{"nada recibido todavía, gracias", false},
	} {
		a.prepare(s, tc.text)
		if got := slices.Contains(s.hashes, cueHash("thanks_done")); got != tc.want {
			t.Errorf("%q: thanks_done = %v, want %v", tc.text, got, tc.want)
		}
	}
}
