package nlu

import "testing"

// TestIssue10FalseAlarms holds the false alarms of issue 10 as regression
// tests, in phrasings from none of the data sets: lone letters squeezed
// from the "bbb" lexicon entry, caps lock read as shouting, job titles
// and names read as a request for a person, and spam in capitals.
func TestIssue10FalseAlarms(t *testing.T) {
	a := newTestAnalyzer(t)
	calm := []string{
		// Lone letters: "bbb" (Better Business Bureau) once squeezed to "b".
		"scelgo la b",
		"opzione b per favore",
		"plan b it is",
		"prendo la taglia B, grazie",
		"la mia mail è b@c.it",
		"write to a@b.com please",
		"elijo la B",
		// Caps lock without anger.
		"DOVE È IL MIO ORDINE",
		"I NEED THE INVOICE",
		"QUANDO ARRIVA IL MIO PACCO?",
		"CAN YOU SEND ME THE TRACKING NUMBER PLEASE",
		"NECESITO CAMBIAR LA DIRECCIÓN DE ENTREGA",
		// Spam in capitals.
		"CONGRATULATIONS YOU WON A FREE CRUISE!!! CLICK HERE NOW",
		"HAI VINTO UN BUONO AMAZON!!! CLICCA QUI",
		"GANA DINERO DESDE CASA!!! ESCRÍBEME YA",
	}
	for _, text := range calm {
		if sig := analyze(t, a, text); sig.Frustrated || sig.WantsHuman {
			t.Errorf("%q: frustrated %v, wants_human %v; want neither", text, sig.Frustrated, sig.WantsHuman)
		}
	}
	if !analyze(t, a, "I will report you to the BBB").Frustrated {
		t.Error(`"I will report you to the BBB": not frustrated; the bbb lexicon entry should still match "bbb"`)
	}
	jobs := []string{
		"my travel agent booked me the wrong hotel, can I change the delivery date?",
		"l'operatore del call center mi ha detto di scrivere qui",
		"sono un agente immobiliare, vendete anche online?",
		"Agent 47 is my favourite character",
		"mi agente de seguros necesita la factura",
		"the estate agent will sign for the parcel",
		"mio figlio fa l'operatore ecologico",
	}
	for _, text := range jobs {
		if analyze(t, a, text).WantsHuman {
			t.Errorf("%q: wants_human; a job title or a name is not a request for a person", text)
		}
	}
	shouting := []string{
		"WHERE IS MY MONEY?!? THIEVES",
		"VOGLIO PARLARE CON UN OPERATORE SUBITO!!!",
		"CANCELEN TODO YA, ESTOY HARTO",
	}
	for _, text := range shouting {
		if !analyze(t, a, text).Frustrated {
			t.Errorf("%q: not frustrated; capitals with anger are shouting", text)
		}
	}
}

// TestCuelessFrustrationSixthRound holds what the signal model learned
// from round3 and round4 (frustration told as a plain fact, with no cue
// word), with its calm twin, in phrasings from none of the data sets.
func TestCuelessFrustrationSixthRound(t *testing.T) {
	a := newTestAnalyzer(t)
	if !analyze(t, a, "ho spiegato la stessa cosa a quattro persone diverse.").Frustrated {
		t.Error("the same thing explained to four people: not frustrated")
	}
	if analyze(t, a, "ho spiegato la situazione alla ragazza della chat, ora aspetto la sua risposta").Frustrated {
		t.Error("a situation explained, now waiting for the answer: frustrated; it is a calm report")
	}
}
