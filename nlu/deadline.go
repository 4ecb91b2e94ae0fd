package nlu

// Deadline passed: a date that was promised set against the date now,
// with nothing else said, is anger told as a plain fact: "Le cuffie
// dovevano arrivare martedì. È domenica.", "Delivery was supposed to be
// between 9 and 12. It's 6pm.", "Tenía que llegar el lunes. Hoy es
// viernes." The same facts with a question or a polite word ("dovevo
// riceverlo sabato, oggi è giovedì: potete verificare?") are a report.

// promisedWords say a date was expected or promised (folded).
var promisedWords = set(
	"doveva", "dovevano", "dovevo", "dovevamo", "previsto", "prevista", "promesso", "promessa", "garantito", "garantita",
	"due", "supposed", "expected", "promised", "meant", "estimated", "guaranteed",
	"tenia", "tenian", "debia", "debian", "prometieron", "prometido", "garantizado", "garantizada",
)

// nowStarts open a clause that tells the date or hour now: "è", "oggi è",
// "siamo al", "sono le", "it's", "it is", "today is", "hoy es", "es",
// "estamos a", "son las".
var nowStarts = [][]string{
	{"e"}, {"oggi", "e"}, {"siamo"}, {"sono", "le"},
	{"it", "s"}, {"its"}, {"it", "is"}, {"today", "is"}, {"now", "it", "s"}, {"now", "its"},
	{"hoy", "es"}, {"es"}, {"estamos"}, {"son", "las"}, {"ya", "es"},
}

// dayWords name a day or a month.
var dayWords = set(
	"lunedi", "martedi", "mercoledi", "giovedi", "venerdi", "sabato", "domenica", "ieri", "mezzanotte",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "midnight",
	"lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo", "medianoche",
	"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre",
	"january", "february", "march", "april", "june", "july", "august", "september", "october", "november", "december",
	"enero", "febrero", "abril", "mayo", "junio", "julio", "septiembre", "octubre", "noviembre", "diciembre",
)

// deadlineAt is the weight of a deadline passed: frustration on its own.
const deadlineAt = 1.0

// deadlineScore weighs a promised date followed, in a later short clause,
// by the date or hour now, in a message with no question and no calm
// word.
func deadlineScore(toks []token) float64 {
	for i := range toks {
		if t := &toks[i]; t.kind == tokPunct && t.text[0] == '?' || t.kind == tokWord && calmWords[t.text] {
			return 0
		}
	}
	promised := -1
	for i := range toks {
		t := &toks[i]
		switch {
		case t.kind != tokWord:
		case promised < 0 && promisedWords[t.text]:
			promised = i
		case promised >= 0 && t.clause != toks[promised].clause && clauseStart(toks, i) && nowClause(toks, i):
			return deadlineAt
		}
	}
	return 0
}

// clauseStart reports whether toks[i] is the first word of its clause.
func clauseStart(toks []token, i int) bool {
	for j := i - 1; j >= 0 && toks[j].clause == toks[i].clause; j-- {
		if toks[j].kind == tokWord {
			return false
		}
	}
	return true
}

// nowClause reports whether the clause starting at toks[i] tells the date
// or hour now in a few words: "È domenica.", "It's the 16th.", "Son las
// 7."
func nowClause(toks []token, i int) bool {
	for _, p := range nowStarts {
		end := i + len(p)
		if end >= len(toks) || !wordsAt(toks, i, p) {
			continue
		}
		words, day := 0, false
		for j := end; j < len(toks) && toks[j].clause == toks[i].clause; j++ {
			if toks[j].kind != tokWord {
				continue
			}
			words++
			day = day || dayWords[toks[j].text] || toks[j].digits > 0
		}
		if day && words <= 3 {
			return true
		}
	}
	return false
}
