package nlu

import "strings"

// Patience: anger conveyed by time and repetition rather than by words.
// "sono tre settimane che aspetto e ancora niente", "llevo un mes
// esperando", "I've asked four times" carry no insult, yet are as
// exasperated as one. The same facts said calmly ("ho ordinato 3 giorni fa,
// quando parte?", "returned it 2 weeks ago, could you check the refund?")
// are not: a wait alone, a polite question about it, a deadline ("entro 30
// giorni") or loyalty ("third order from you") do not count.

// quantity words that can count days or times; "a"/"un" count one.
var countWords = set(
	"un", "una", "uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove", "dieci", "undici", "dodici", "tredici", "quattordici", "quindici", "venti", "trenta", "qualche", "diversi", "diverse", "parecchi", "parecchie", "molti", "molte", "tante", "tanti",
	"a", "an", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "twenty", "thirty", "few", "several", "many", "multiple",
	"dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once", "doce", "trece", "catorce", "quince", "veinte", "treinta", "varios", "varias", "muchos", "muchas",
)

// timeUnits are the units of an elapsed time.
var timeUnits = set(
	"giorni", "giorno", "gg", "settimane", "settimana", "mesi", "mese", "ore", "minuti",
	"days", "day", "weeks", "week", "months", "month", "hours", "minutes",
	"dias", "dia", "semanas", "semana", "meses", "mes", "horas", "minutos",
)

// sinceWords start an elapsed time without a number: "da stamattina",
// "since yesterday", "desde ayer"; sinceAnchors are what may follow.
var (
	sinceWords   = set("da", "dal", "dalla", "since", "desde")
	sinceAnchors = set("stamattina", "ieri", "giorni", "settimane", "mesi", "ore", "marzo", "aprile", "maggio", "giugno", "gennaio", "febbraio",
		"yesterday", "days", "weeks", "months", "hours", "march", "april", "may", "june", "january", "february", "morning",
		"ayer", "dias", "semanas", "meses", "horas", "marzo", "abril", "mayo", "junio", "enero", "febrero")
)

// deadlineWords before a time make it a deadline or a future, not a wait:
// "entro 30 giorni", "within 14 days", "dentro de 2 semanas", "tra 3 giorni".
var deadlineWords = set("entro", "tra", "fra", "within", "in", "next", "prossimi", "prossime", "dentro", "proximos", "proximas", "plazo", "every", "ogni", "cada", "per", "por")

// agoWords after a time anchor it in the past ("3 giorni fa"): a fact.
var agoWords = set("fa", "ago", "hace")

// waitWords are waiting or trying, the activity a durative frame measures.
var waitPrefixes = []string{"aspett", "attend", "prov", "cerc", "wait", "tryin", "tried", "esper", "intent"}

// durativeWords frame the time as something endured: "sono 3 settimane
// che", "è da giorni che", "llevo un mes", "ya van dos semanas", "for 2
// weeks", "after 10 days", "day 12 of waiting".
// "for", "been" and "after" only frame a time that something is still
// missing in ("still nothing after 10 days"): "it's been 8 days" and "still
// waiting, it's been 3 weeks" are reports.
var (
	durativeWords = set("sono", "llevo", "llevamos", "lleva", "van")
	framingWords  = set("for", "after", "dopo", "despues", "been")
)

// stillCues say that nothing has happened yet, as two words.
var stillCues = [][2]string{
	{"ancora", "niente"}, {"ancora", "nulla"}, {"ancora", "nessun"}, {"ancora", "nessuna"}, {"ancora", "nessuno"}, {"ancora", "fermo"}, {"ancora", "ferma"},
	{"nessuna", "traccia"}, {"nessuna", "notizia"}, {"nessuna", "novita"}, {"nessun", "aggiornamento"}, {"zero", "aggiornamenti"}, {"zero", "risposte"},
	{"still", "nothing"}, {"still", "no"}, {"still", "not"}, {"still", "hasnt"}, {"still", "havent"}, {"still", "stuck"},
	{"zero", "updates"}, {"no", "updates"}, {"not", "a"}, {"hasnt", "moved"}, {"hasnt", "budged"}, {"nothing", "yet"},
	{"todavia", "nada"}, {"todavia", "no"}, {"todavia", "sin"}, {"aun", "nada"}, {"aun", "no"}, {"sigue", "sin"}, {"sigo", "sin"}, {"ni", "rastro"}, {"sin", "noticias"}, {"sin", "novedades"},
}

// stillNext indexes stillCues by their first word.
var stillNext = func() map[string][]string {
	m := map[string][]string{}
	for _, c := range stillCues {
		m[c[0]] = append(m[c[0]], c[1])
	}
	return m
}()

// calmWords show a wait is reported, not resented: "per favore", "no
// rush", "potete controllare?", "gracias".
var calmWords = set("favore", "please", "pls", "favor", "potete", "potreste", "could", "would", "pueden", "podrian", "podria", "grazie", "thanks", "thank", "gracias",
	"tranquilli", "fretta", "rush", "hurry", "worries", "prisa", "problema", "problem", "fine", "ok", "okay")

// infoQuestions ask for information about the wait.
var infoQuestions = set("quando", "when", "cuando", "dove", "where", "donde", "tracking", "status", "stato", "punto", "estado")

// usualWords ask whether something is normal: "è normale dopo 3
// giorni?", "does it usually take...?", "¿es normal?". A wait asked about
// that way is a question, not a complaint.
var usualWords = set("normale", "normal", "normally", "usually", "usual", "typically", "solito", "solitamente", "suele", "suelen", "habitual", "normalmente")

// rhetoricalNormal: "normal" asked of the company is rhetorical: "vi
// sembra normale?", "is that normal to you?", "¿les parece normal?".
func rhetoricalNormal(words []string, i int) bool {
	for j := max(0, i-3); j < len(words) && j <= i+2; j++ {
		switch words[j] {
		case "sembra", "pare", "seem", "seems", "parece", "you", "vi", "les", "os":
			return true
		}
	}
	return false
}

// formalWords are courtesy that turns sour next to a count or a wait:
// "gentilmente, per la terza volta", "kindly, for the fourth time".
var formalWords = set("gentilmente", "cortesemente", "kindly", "amablemente", "cordialmente")

// timesWords count repetitions; sayVerbs are what one repeats in vain.
var (
	timesWords  = set("volte", "times", "veces")
	sayPrefixes = []string{"dett", "chiest", "spiegat", "chiamat", "chiamare", "scritt", "contattat", "mandat", "ripetut", "segnalat", "sollecitat",
		"told", "asked", "explain", "called", "email", "writt", "wrote", "contact", "messag", "sent", "said", "complain", "repeat", "ring", "phoned",
		"dicho", "pedid", "explicad", "llamad", "escrit", "contactad", "enviad", "repetid", "reclamad", "dije"}
	tryPrefixes = []string{"provat", "tentat", "tried", "reset", "attempt", "intentad", "probad"}
)

// ordinals count contacts: "third message", "5th msg", "terza mail",
// "cuarto correo". contactNouns are what one sends; an ordinal before an
// order or a purchase is loyalty ("third order this month").
var (
	ordinals = set("third", "fourth", "fifth", "sixth", "tenth", "nth", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th",
		"terzo", "terza", "quarto", "quarta", "quinto", "quinta", "sesto", "sesta", "decimo", "decima", "ennesimo", "ennesima",
		"tercer", "tercero", "tercera", "cuarto", "cuarta", "sexto", "sexta", "decimo", "decima", "enesimo", "enesima")
	contactNouns = set("message", "messages", "msg", "email", "mail", "call", "complaint", "ticket", "request", "reminder", "chat",
		"messaggio", "messaggi", "chiamata", "telefonata", "reclamo", "sollecito", "segnalazione", "richiesta",
		"mensaje", "correo", "llamada", "queja", "solicitud", "whatsapp")
	// writePrefixes: writing or calling now, "third time writing", "terza
	// volta che vi scrivo", "cuarta vez que les escribo".
	writePrefixes = []string{"writ", "messag", "contact", "call", "ask", "email", "chas", "scriv", "chiam", "contatt", "chied", "sollecit", "escrib", "llam", "contact", "pid", "reclam"}
	onceWords     = set("time", "volta", "vez")
)

// contactCount weighs an ordinal of contacts: "5th msg i send", "third
// time writing about this", "è la quarta mail", "tercera vez que llamo".
func contactCount(words []string, i int) float64 {
	if !ordinals[words[i]] || i+1 >= len(words) {
		return 0
	}
	next := words[i+1]
	if contactNouns[next] {
		return 1
	}
	if !onceWords[next] {
		return 0
	}
	for j := i + 2; j < len(words) && j <= i+5; j++ {
		if hasAnyPrefix(words[j], writePrefixes) {
			return 1
		}
	}
	return 0
}

// contactsCounted reports whether the customer counts their own
// messages or calls with an ordinal ("5th msg i send", "terza volta che
// vi scrivo"): in every labelled set read while tuning, such a count was
// frustrated.
func contactsCounted(toks []token) bool {
	var words []string
	for i := range toks {
		if toks[i].kind != tokWord {
			continue
		}
		if words == nil {
			if !ordinals[toks[i].text] {
				continue
			}
			words = make([]string, 0, 8)
		}
		words = append(words, toks[i].text)
	}
	for i := range words {
		if contactCount(words, i) > 0 {
			return true
		}
	}
	return false
}

// patienceCues are the words without which patienceScore finds nothing:
// a time unit, "since", a count of times, "day N of", the first word of a
// still-nothing cue.
var patienceCues = func() map[string]bool {
	m := map[string]bool{"twice": true, "day": true, "giorno": true, "dia": true}
	for _, set := range []map[string]bool{timeUnits, sinceWords, timesWords} {
		for w := range set {
			m[w] = true
		}
	}
	for w := range stillNext {
		m[w] = true
	}
	return m
}()

// patienceScore weighs a wait or a repetition endured.
func patienceScore(toks []token) float64 {
	cue := false
	for i := range toks {
		if t := &toks[i]; t.kind == tokWord && (patienceCues[t.text] || strings.HasSuffix(t.text, "gg")) {
			cue = true
			break
		}
	}
	if !cue {
		return 0 // most messages: one look-up a word
	}
	words := make([]string, 0, len(toks))
	question := false
	for i := range toks {
		switch toks[i].kind {
		case tokWord:
			words = append(words, toks[i].text)
		case tokPunct:
			if strings.ContainsRune(toks[i].text, '?') {
				question = true
			}
		}
	}
	var (
		elapsed, durative, framed, ratio, still, wait, calm, info, formal, nobody, usual bool
		count                                                                            float64
	)
	for i, w := range words {
		switch {
		case calmWords[w]:
			calm = true
		case infoQuestions[w]:
			info = true
		case formalWords[w]:
			formal = true
		case usualWords[w]:
			usual = usual || !rhetoricalNormal(words, i)
		case w == "nessuno" || w == "nobody" || w == "nadie":
			nobody = true
		}
		if hasAnyPrefix(w, waitPrefixes) {
			wait = true
		}
		if i+1 < len(words) {
			for _, next := range stillNext[w] {
				still = still || words[i+1] == next
			}
		}
		// An elapsed time: "3 settimane", "un mese", "10gg", "da ieri".
		start, ok := -1, false
		switch {
		case timeUnits[w] && i > 0 && (countWords[words[i-1]] || isNumber(words[i-1])):
			start, ok = i-1, true
		case strings.HasSuffix(w, "gg") && isNumber(strings.TrimSuffix(w, "gg")):
			start, ok = i, true
		case sinceWords[w] && i+1 < len(words) && sinceAnchors[words[i+1]]:
			start, ok = i, true
			durative = true
		case w == "day" || w == "giorno" || w == "dia":
			// "day 12 of waiting"
			if i+2 < len(words) && isNumber(words[i+1]) && (words[i+2] == "of" || words[i+2] == "di" || words[i+2] == "de") {
				start, ok = i, true
				durative = true
			}
		}
		if !ok {
			continue
		}
		if start > 0 && deadlineWords[words[start-1]] {
			continue
		}
		if i+1 < len(words) && agoWords[words[i+1]] || start > 0 && words[start-1] == "hace" && (i+1 >= len(words) || words[i+1] != "que") {
			elapsed = true // a past anchor: a fact, unless something is still missing
			continue
		}
		elapsed = true
		if start > 0 {
			switch p := words[start-1]; {
			case durativeWords[p]:
				durative = true
			case framingWords[p]:
				framed = true
			case p == "da" || p == "e" && start > 1 && words[start-2] == "da":
				durative = true
			case p == "ya" || p == "hace":
				durative = true
			}
		}
		// "un mese per un rimborso", "20 días para un reembolso", "a month to
		// process a return": the time set against what it bought.
		if i+1 < len(words) {
			switch words[i+1] {
			case "per", "para", "to", "for":
				ratio = true
			}
		}
		// "two weeks and the tracking hasn't moved"
		if i+1 < len(words) && (words[i+1] == "and" || words[i+1] == "e" || words[i+1] == "y") {
			durative = true
		}
	}
	// Repetitions: "I've asked four times", "ho chiamato tre volte",
	// "les he escrito cinco veces".
	for i, w := range words {
		if !timesWords[w] || i == 0 {
			continue
		}
		n := words[i-1]
		var k float64
		switch {
		case n == "due" || n == "two" || n == "dos" || n == "2":
			k = 0.6
		case countWords[n] && n != "a" && n != "an" && n != "un" && n != "una" && n != "uno" || isNumber(n) || n == "mille" || n == "mil" || n == "countless":
			k = 1
		default:
			continue
		}
		if n == "due" || n == "two" || n == "dos" {
			if i > 1 && (words[i-2] == "think" || words[i-2] == "pensare" || strings.HasPrefix(words[i-2], "pens")) {
				continue // "think twice" is a threat, weighed by the lexicon
			}
		}
		for j := i - 2; j >= 0 && j >= i-5; j-- {
			switch {
			case hasAnyPrefix(words[j], sayPrefixes):
				count = max(count, k)
			case hasAnyPrefix(words[j], tryPrefixes):
				count = max(count, 0.7*k)
			}
		}
	}
	if i := indexWord(words, "twice"); i > 0 {
		for j := i - 1; j >= 0 && j >= i-4; j-- {
			if hasAnyPrefix(words[j], sayPrefixes) {
				count = max(count, 0.6)
			}
		}
	}

	var s float64
	soft := calm || question && info
	switch {
	case (durative || framed) && still:
		s = 1.2
	case elapsed && still && !soft:
		s = 1
	case durative && wait && !soft && !question:
		s = 1
	case ratio && elapsed && !soft:
		s = 0.7
		if question {
			s = 1
		}
	case elapsed && still, durative && wait:
		s = 0.3
	}
	if question && usual {
		// "still nothing on the tracking, is that normal after 3 days?"
		s = min(s, 0.3)
	}
	s = max(s, count)
	if formal && (count > 0 || elapsed || nobody) {
		s += 0.6
	}
	return s
}

func hasAnyPrefix(w string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

func isNumber(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

func indexWord(words []string, w string) int {
	for i, x := range words {
		if x == w {
			return i
		}
	}
	return -1
}
