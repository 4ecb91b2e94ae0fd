package entity

import (
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// now is Tuesday 3 March 2026, 10:30 in Rome.
var now = time.Date(2026, 3, 3, 10, 30, 0, 0, time.FixedZone("CET", 3600))

func extract(lang, text string) string {
	var out []string
	for _, e := range New().Extract(flows.EntityInput{Text: text, Lang: lang, Now: now}) {
		out = append(out, e.Kind+"="+e.Value)
	}
	return strings.Join(out, " ")
}

func TestExtract(t *testing.T) {
	for _, tc := range []struct{ lang, text, want string }{
		// Italian
		{"it", "per 4 sabato alle 20", "number=4 date=2026-03-07 time=20:00"},
		{"it", "siamo in quattro, domani alle 8 di sera", "number=4 date=2026-03-04 time=20:00"},
		{"it", "venerdì prossimo alle 13", "date=2026-03-06 time=13:00"},
		{"it", "martedì", "date=2026-03-03"},
		{"it", "martedì prossimo", "date=2026-03-10"},
		{"it", "dopodomani a mezzogiorno", "date=2026-03-05 time=12:00"},
		{"it", "il 12 marzo alle 19:30", "date=2026-03-12 time=19:30"},
		{"it", "12/04/2026", "date=2026-04-12"},
		{"it", "il 12.03.2027", "date=2027-03-12"},
		{"it", "nato il 01.02.1990", "date=1990-02-01"},
		{"es", "el 12-03-2027", "date=2027-03-12"},
		{"it", "tel 06.12.03.2024", "phone=0612032024"},
		{"it", "tel 333.12.03.2024", "phone=33312032024"},
		{"it", "dal 3 al 5 aprile", "date_range=2026-04-03/2026-04-05"},
		{"it", "questo weekend", "date_range=2026-03-07/2026-03-08"},
		{"it", "la prossima settimana", "date_range=2026-03-09/2026-03-15"},
		{"it", "tra 3 giorni", "date=2026-03-06"},
		{"it", "ventidue persone", "number=22"},
		{"it", "alle otto e mezza", "time=08:30"},
		{"it", "per due ore", "duration=PT2H"},
		{"it", "mezz'ora", "duration=PT30M"},
		{"it", "un'ora e mezza", "duration=PT90M"},
		{"it", "2 giorni e mezzo", "duration=PT60H"},
		{"it", "alle 9.30", "time=09:30"},
		{"it", "domani alle 18.45 di sera", "date=2026-03-04 time=18:45"},
		{"it", "costa 12,50 euro", "money=12.50 EUR"},
		{"it", "dieci euro", "money=10.00 EUR"},
		{"it", "scrivimi a anna.rossi@example.com o al +39 333 123 4567", "email=anna.rossi@example.com phone=+393331234567"},
		{"it", "ordine a12345", "order=A12345"},
		{"it", "voglio un rimborso", ""},
		{"it", "le 3 pizze", "number=3"},
		{"it", "ho 1.234 punti", "number=1234"},
		{"it", "2,5 kg", "number=2.5"},
		// English
		{"en", "a table for four on Saturday at 8pm", "number=4 date=2026-03-07 time=20:00"},
		{"en", "next Friday", "date=2026-03-06"},
		{"en", "tomorrow at half past seven", "date=2026-03-04 time=07:30"},
		{"en", "quarter to eight in the evening", "time=19:45"},
		{"en", "twelve people", "number=12"},
		{"en", "twenty-two", "number=22"},
		{"en", "I have 1,234 points", "number=1234"},
		{"en", "1.234 grams", "number=1.234"},
		{"en", "March 12th", "date=2026-03-12"},
		{"en", "the 12th of March 2027", "date=2027-03-12"},
		{"en", "03/12", "date=2026-03-12"},
		{"en", "from March 3 to 5", "date_range=2026-03-03/2026-03-05"},
		{"en", "this weekend", "date_range=2026-03-07/2026-03-08"},
		{"en", "in 2 weeks", "date=2026-03-17"},
		{"en", "for half an hour", "duration=PT30M"},
		{"en", "an hour and a half", "duration=PT90M"},
		{"en", "2 hours and a half", "duration=PT150M"},
		{"en", "3 days", "duration=P3D"},
		{"en", "$20", "money=20.00 USD"},
		{"en", "at noon", "time=12:00"},
		{"en", "next Friday at 7:30pm", "date=2026-03-06 time=19:30"},
		{"en", "8.30 am", "time=08:30"},
		{"en", "it costs 8.30", "number=8.3"},
		{"en", "at 9.30", "time=09:30"},
		{"en", "7 o'clock", "time=07:00"},
		{"en", "order B-23456 please", "order=B23456"},
		{"en", "call me on 0044 20 7946 0958", "phone=+442079460958"},
		// Spanish
		{"es", "para 4 el sábado a las 20", "number=4 date=2026-03-07 time=20:00"},
		{"es", "mañana por la mañana", "date=2026-03-04"},
		{"es", "pasado mañana a las 9 de la noche", "date=2026-03-05 time=21:00"},
		{"es", "el próximo viernes", "date=2026-03-06"},
		{"es", "el viernes que viene", "date=2026-03-06"},
		{"es", "treinta y dos", "number=32"},
		{"es", "veintidós", "number=22"},
		{"es", "somos 1.500 personas", "number=1500"},
		{"es", "a las ocho y media", "time=08:30"},
		{"es", "del 3 al 5 de abril", "date_range=2026-04-03/2026-04-05"},
		{"es", "el 12 de marzo de 2026", "date=2026-03-12"},
		{"es", "este fin de semana", "date_range=2026-03-07/2026-03-08"},
		{"es", "media hora", "duration=PT30M"},
		{"es", "una hora y media", "duration=PT90M"},
		{"es", "dentro de 2 días", "date=2026-03-05"},
		{"es", "cuesta 15 euros", "money=15.00 EUR"},
		{"es", "a las 9.30", "time=09:30"},
		// A part of the day before the time: "stasera alle 8" is 20:00.
		{"it", "stasera alle 8", "date=2026-03-03 time=20:00"},
		{"it", "sabato sera alle 9", "date=2026-03-07 time=21:00"},
		{"it", "oggi pomeriggio alle 3", "date=2026-03-03 time=15:00"},
		{"it", "domani mattina alle 9", "date=2026-03-04 time=09:00"},
		{"en", "tonight at 8", "date=2026-03-03 time=20:00"},
		{"en", "Saturday evening at half past seven", "date=2026-03-07 time=19:30"},
		{"es", "esta noche a las 9", "date=2026-03-03 time=21:00"},
		{"es", "el sábado por la noche a las 10", "date=2026-03-07 time=22:00"},
		// A part of the day around a time written with a colon.
		{"it", "alle 8:30 di sera", "time=20:30"},
		{"en", "at 7:30 in the evening", "time=19:30"},
		{"es", "a las 9:30 de la noche", "time=21:30"},
		{"en", "tonight at 7:30", "date=2026-03-03 time=19:30"},
		{"it", "stasera alle 8:15", "date=2026-03-03 time=20:15"},
		{"en", "tonight at 7:30 am", "date=2026-03-03 time=07:30"},
		{"it", "alle 20:30 di sera", "time=20:30"},
		// A range under way is this year's, in every language; one that
		// has ended is next year's.
		{"en", "from March 2 to 5", "date_range=2026-03-02/2026-03-05"},
		{"en", "from March 2 to March 5", "date_range=2026-03-02/2026-03-05"},
		{"it", "dal 2 al 5 marzo", "date_range=2026-03-02/2026-03-05"},
		{"en", "from March 1 to 2", "date_range=2027-03-01/2027-03-02"},
		{"it", "dal 1 al 2 marzo", "date_range=2027-03-01/2027-03-02"},
		{"en", "from March 2 2027 to 5", "date_range=2027-03-02/2027-03-05"},
		// A range between relative days, in every language.
		{"it", "da domani a venerdì", "date_range=2026-03-04/2026-03-06"},
		{"en", "from tomorrow to Friday", "date_range=2026-03-04/2026-03-06"},
		{"es", "de mañana al viernes", "date_range=2026-03-04/2026-03-06"},
		{"es", "desde mañana hasta el viernes", "date_range=2026-03-04/2026-03-06"},
		{"es", "de hoy a mañana", "date_range=2026-03-03/2026-03-04"},
		// A weekday that ends a range comes after its start: on Tuesday
		// "from Monday to Friday" is next week's, not two dates.
		{"en", "from Monday to Friday", "date_range=2026-03-09/2026-03-13"},
		{"it", "da lunedì a venerdì", "date_range=2026-03-09/2026-03-13"},
		{"es", "de lunes a viernes", "date_range=2026-03-09/2026-03-13"},
		{"en", "from Friday to Monday", "date_range=2026-03-06/2026-03-09"},
		// Numbers past a hundred, in words.
		{"en", "one hundred and five", "number=105"},
		{"en", "a hundred and twenty guests", "number=120"},
		{"en", "two hundred fifty", "number=250"},
		{"en", "one thousand two hundred", "number=1200"},
		{"en", "two hundred dollars", "money=200.00 USD"},
		{"it", "centocinque", "number=105"},
		{"it", "duecento euro", "money=200.00 EUR"},
		{"it", "centottanta", "number=180"},
		{"it", "trecentoventidue", "number=322"},
		{"it", "mille duecento", "number=1200"},
		{"it", "duemila", "number=2000"},
		{"es", "ciento cinco", "number=105"},
		{"es", "doscientos euros", "money=200.00 EUR"},
		{"es", "ciento treinta y dos", "number=132"},
		{"es", "dos mil quinientos", "number=2500"},
		{"es", "mil doscientas", "number=1200"},
		// Amounts with thousands separators, in each convention.
		{"it", "ho pagato 1.234,56 €", "money=1234.56 EUR"},
		{"it", "€ 1.234,56", "money=1234.56 EUR"},
		{"it", "totale 1.234 euro", "money=1234.00 EUR"},
		{"es", "1.234.567,89 euros", "money=1234567.89 EUR"},
		{"it", "12.345.678,00 € di danni", "money=12345678.00 EUR"},
		{"en", "$1,234.56", "money=1234.56 USD"},
		{"en", "$1,000 please", "money=1000.00 USD"},
		{"en", "1,234.56 dollars", "money=1234.56 USD"},
		{"en", "£12.5", "money=12.50 GBP"},
		// Order ids in the shapes the NLU reads too: a code of several
		// groups is an order, not a phone; "#" and digits is an order,
		// not a number.
		{"it", "ordine ORD-2024-0001", "order=ORD-2024-0001"},
		{"it", "il mio ordine è il #12345", "order=12345"},
		{"it", "ordine abcd-12345 del 3 marzo", "order=ABCD12345 date=2026-03-03"},
		{"en", "my order is ORD-2024-0001, phone +39 333 123 4567", "order=ORD-2024-0001 phone=+393331234567"},
		{"en", "order #12345 please", "order=12345"},
		{"en", "order #B70341", "order=B70341"},
		{"en", "12345 items", "number=12345"},
		{"es", "mi pedido es ord-2024-0001", "order=ORD-2024-0001"},
		{"es", "el pedido #98765 no llegó", "order=98765"},
		{"es", "llámame al 1234-5678", "phone=12345678"},
		{"it", "cell-3331234567", "phone=3331234567"},
	} {
		if got := extract(tc.lang, tc.text); got != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.lang, tc.text, got, tc.want)
		}
	}
}

func TestExtractBounded(t *testing.T) {
	long := strings.Repeat("alle 8 ", 10000)
	if got := New().Extract(flows.EntityInput{Text: long, Lang: "it", Now: now}); len(got) > MaxText/4 {
		t.Errorf("%d entities from a long message", len(got))
	}
}

// FuzzExtract: any text, any language: no panic, and every entity lies
// within the text it was read from.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{"per 4 sabato alle 20", "half past seven", "del 3 al 5 de abril", "€12,50", "+39 333 123 4567", "31/02", "alle 99 di sera"} {
		f.Add(s, "it")
	}
	f.Fuzz(func(t *testing.T, text, lang string) {
		for _, e := range New().Extract(flows.EntityInput{Text: text, Lang: lang, Now: now}) {
			if e.Start < 0 || e.End > len(text) || e.Start > e.End || text[e.Start:e.End] != e.Text || e.Value == "" {
				t.Fatalf("entity %+v out of %q", e, text)
			}
		}
	})
}

// TestExtractLongInvalidUTF8: a message longer than MaxText is read cut,
// and the entities' spans still point into the message given, invalid
// UTF-8 in it too (FuzzExtract found "0" reported two bytes early).
func TestExtractLongInvalidUTF8(t *testing.T) {
	text := "A\xff\xff 42 " + strings.Repeat("a", MaxText)
	got := New().Extract(flows.EntityInput{Text: text, Lang: "it", Now: now})
	if len(got) == 0 {
		t.Fatal("no entity read")
	}
	for _, e := range got {
		if text[e.Start:e.End] != e.Text {
			t.Errorf("entity %+v: the message has %q there", e, text[e.Start:e.End])
		}
	}
}
