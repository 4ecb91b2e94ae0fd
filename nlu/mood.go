package nlu

import (
	"math"
	"regexp"
	"strings"
)

// Sentiment cut-offs: a score at or below SentimentNegative is negative,
// at or above SentimentPositive positive, neutral in between.
const (
	SentimentNegative = -0.25
	SentimentPositive = 0.25
)

// SentimentLabel maps a Signals.Sentiment score to "negative", "neutral"
// or "positive" with the documented cut-offs.
func SentimentLabel(score float64) string {
	switch {
	case score <= SentimentNegative:
		return "negative"
	case score >= SentimentPositive:
		return "positive"
	}
	return "neutral"
}

const (
	// frustratedAt is the frustration score from which a message is
	// frustrated; a strong lexicon phrase alone weighs 1.
	frustratedAt = 1.0
	// shouting: the share of upper-case letters in the words of a message
	// (words with digits such as A12345 do not count).
	shoutShare      = 0.6
	shoutMinLetters = 6
	// shoutPlain is the weight of a message in capitals with nothing else
	// against us: a hint for the model, never frustration on its own.
	shoutPlain = 0.3
)

// scareQuote finds a short quoted word: thanks for the "quick" refund.
var scareQuote = regexp.MustCompile(`["“«]([\p{L}\s]{2,20})["”»]`)

// moodParts is what the frustration and sentiment rules found: each
// component's score, their total and the rules' verdict. The learned
// signal model reads the components as features.
type moodParts struct {
	lex, sarcasm, punct, repeat, shout, demand, nowWhat, patience, resigned, deadline float64
	neg, pos                                                                          float64
	// negation: the message has a negation word; caps: it is written in
	// capitals.
	negation, caps bool
	// contacts: the customer counts their messages or calls with an
	// ordinal (contactsCounted).
	contacts bool
	// spam: an offer, a scam or a chain message (topic_spam); calm: the
	// customer says they are calm (the calm lexicon).
	spam, calm bool
	// total is the frustration score of the rules; frustrated is total ≥
	// frustratedAt.
	total      float64
	frustrated bool
	sentiment  float64
}

// angry reports whether the rules found anything angry besides capitals:
// an angry word, a negative one, heavy punctuation, a demand, sarcasm,
// worn-out patience, resignation or a deadline passed.
func (m *moodParts) angry() bool {
	return m.lex > 0 || m.neg > 0 || m.punct > 0 || m.demand > 0 || m.sarcasm > 0 || m.patience > 0 || m.resigned > 0 || m.deadline > 0
}

// mood scores frustration and sentiment.
func (a *Analyzer) mood(raw string, toks []token, hits []hit, wantsHuman bool) moodParts {
	var frust, neg, pos, sarcasm float64
	negation := false
	// Praise after a complaint or a negation is ironic: "l'app non parte
	// più. bravi, complimenti davvero", "now it doesn't even open. well
	// done guys".
	firstComplaint, lastPraise := len(toks), -1
	for _, h := range hits {
		if h.lex == lexFrustrated && loyalCount(toks, h) {
			continue
		}
		if h.lex == lexNegative && nothingElse(toks, h) {
			continue // "nothing else, thanks": a closing, not a complaint
		}
		w := h.weight
		if a.lex.intensified(toks, h.start) {
			w *= 1.5
		}
		switch h.lex {
		case lexFrustrated:
			if !h.negated {
				if downtoned(toks, h.start) {
					w *= 0.5
				}
				frust += w
			}
		case lexNegative:
			if !h.negated {
				neg += w
			}
		case lexPositive:
			if h.negated {
				neg += w / 2 // "not good"
			} else {
				pos += w
			}
		case lexSarcasm:
			if !h.negated {
				sarcasm = max(sarcasm, w)
				lastPraise = max(lastPraise, h.start)
			}
		}
		if h.lex == lexNegative || h.lex == lexFrustrated {
			firstComplaint = min(firstComplaint, h.start)
		}
	}
	for i := range toks {
		if toks[i].kind == tokWord && a.lex.negation[toks[i].text] && !bareNo(toks, i) {
			firstComplaint = min(firstComplaint, i)
			negation = true
		}
	}
	// Ironic praise next to a complaint: "oh great, another error 🙄",
	// "complimenti davvero 👏", "qué bien, me cobraron otra vez".
	evidence := neg + frust
	if negation {
		evidence += 0.3
	}
	if lastPraise > firstComplaint {
		evidence += 0.3
	}
	if q := scareQuotedPraise(a, raw); q && evidence > 0 {
		sarcasm = max(sarcasm, 1)
	}
	// Praise taken back: "wow, amazing service... not".
	if (pos > 0 || sarcasm > 0) && retracted(toks) {
		sarcasm, evidence = max(sarcasm, 1), max(evidence, 0.5)
		neg += 0.5
	}
	var m moodParts
	m.lex = frust
	if sarcasm > 0 && evidence >= 0.5 {
		frust += sarcasm
		m.sarcasm = sarcasm
		pos = 0
	}
	m.punct = punctuationScore(toks)
	m.repeat = repetitionScore(toks)
	m.demand = demandScore(toks, wantsHuman)
	// Capitals are shouting next to an insult, "!!!" or a demand; a
	// complaint said calmly in caps lock ("ERRORE 403 AL LOGIN", "IL MIO
	// ORDINE È IN RITARDO? GRAZIE") is not.
	m.shout = shoutingScore(toks, m.lex+m.punct+m.demand > 0 || exclaims(toks))
	m.caps = m.shout == shoutPlain || m.shout >= 0.8
	for _, h := range hits {
		m.spam = m.spam || h.lex == lexTopic && h.topicHash == topicSpam
		m.calm = m.calm || h.lex == lexCalm
	}
	if m.spam {
		// "YOU HAVE WON!!! CLICK NOW": spam shouts, it is not angry.
		m.punct, m.demand, m.shout = 0, 0, 0
	}
	m.nowWhat = nowWhatScore(toks)
	m.patience = patienceScore(toks)
	m.resigned = resignedScore(toks, pos, m.calm)
	m.deadline = deadlineScore(toks)
	m.contacts = contactsCounted(toks)
	frust += m.punct + m.repeat + m.shout + m.demand + m.nowWhat + m.patience + m.resigned + m.deadline
	frust += min(neg*0.4, 0.5)
	if pos >= 1 && neg == 0 && frust < 1.5 {
		frust -= 0.5
	}
	m.neg, m.pos, m.negation = neg, pos, negation
	m.total = frust
	m.frustrated = frust >= frustratedAt

	questions := strings.ContainsRune(raw, '?')
	if questions || len(toks) > 10 {
		pos *= 0.5
	}
	m.sentiment = math.Tanh(0.6*pos - 0.3*neg - 0.5*max(frust, 0))
	return m
}

// punctuationScore weighs "!!!", "???" and "?!".
func punctuationScore(toks []token) float64 {
	var s float64
	for i := range toks {
		t := &toks[i]
		if t.kind != tokPunct {
			continue
		}
		n := len(t.text)
		mixed := strings.ContainsRune(t.text, '!') && strings.ContainsRune(t.text, '?')
		switch {
		case n >= 3 || mixed:
			s += 0.5
		case n == 2:
			s += 0.35
		}
	}
	return min(s, 0.7)
}

// shoutingScore measures capitals: most letters upper case in two words or
// more is shouting;
// a run of capitalised words or one capitalised word in a lower-case
// message is emphasis. Order and promo codes (letters with digits) and
// acronyms of up to three letters are left out.
func shoutingScore(toks []token, evidence bool) float64 {
	letters, upper, words := 0, 0, 0
	run, runLetters, bestRun, emphasis := 0, 0, 0, 0
	for i := range toks {
		t := &toks[i]
		if t.kind != tokWord {
			continue
		}
		if !t.alpha() || t.letters < 2 {
			continue
		}
		letters += t.letters
		upper += t.upper
		words++
		if t.upper == t.letters {
			run++
			runLetters += t.letters
			if t.letters >= 4 {
				emphasis++
			}
			if run >= 2 && runLetters > bestRun {
				bestRun = runLetters
			}
		} else {
			run, runLetters = 0, 0
		}
	}
	switch {
	case words >= 2 && letters >= shoutMinLetters && float64(upper) >= shoutShare*float64(letters):
		// One word in capitals ("PAGAMENTI", "GRAZIE") is caps lock on a
		// phone, not shouting; it counts as emphasis below. A whole
		// message in capitals is shouting only with something else
		// against us (an insult, "!!!", a demand): "DOVE È IL MIO
		// ORDINE" and "I NEED THE INVOICE" are caps lock.
		if !evidence {
			return shoutPlain
		}
		return 0.8
	case bestRun >= 8:
		return 0.5
	case emphasis > 0:
		return 0.25
	}
	return 0
}

// scareQuotedPraise reports a quoted positive word ("quick", "helpful").
func scareQuotedPraise(a *Analyzer, raw string) bool {
	if !strings.ContainsAny(raw, "\"“«") {
		return false
	}
	for _, m := range scareQuote.FindAllStringSubmatch(raw, 3) {
		q := strings.TrimSpace(m[1])
		if q == "" || strings.Count(q, " ") > 1 {
			continue
		}
		toks := tokenize(q, nil)
		for _, h := range a.lex.match(toks, nil) {
			if h.lex == lexPositive || h.lex == lexSarcasm {
				return true
			}
		}
		if a.quick[foldString(q, nil)] {
			return true
		}
	}
	return false
}

// ironicWords are adjectives often put in scare quotes.
var ironicWords = []string{"quick", "fast", "express", "rapido", "veloce", "rápido", "immediato", "inmediato", "free", "gratis", "helpful", "support", "assistenza", "servizio", "service", "soon"}

// repetitionScore weighs a word said three times in a row ("operatore
// operatore operatore", "no no no!").
func repetitionScore(toks []token) float64 {
	prev, n := "", 0
	for i := range toks {
		t := &toks[i]
		if t.kind != tokWord {
			continue
		}
		if t.alpha() && t.letters >= 2 && t.text == prev && !idleRepeats[t.text] {
			n++
		} else {
			prev, n = t.text, 1
		}
		if n >= 3 {
			return 1
		}
	}
	return 0
}

// exclaims reports an exclamation mark: in capitals, "SONO 15 GIORNI!" is
// shouting.
func exclaims(toks []token) bool {
	for i := range toks {
		if toks[i].kind == tokPunct && toks[i].text[0] == '!' {
			return true
		}
	}
	return false
}

// idleRepeats are words said three times without anger: "ok ok ok",
// "bla bla bla", "test test test", "sì sì sì".
var idleRepeats = set("ok", "okay", "si", "yes", "ya", "bla", "blah", "test", "prova", "prueba", "ciao", "hola", "hello", "hi", "ah", "ha", "eh", "lol", "la", "jaja", "haha", "ahah", "xd", "yeah", "vale", "bye", "chao")

// demandWords, said last or on their own, make a request a demand: "get
// me a manager now", "voglio un operatore. ADESSO.", "reembolso ya".
var demandWords = set("now", "immediately", "asap", "subito", "adesso", "ora", "immediatamente", "ya", "ahora", "inmediatamente", "jetzt", "sofort")

// demandScore weighs a demand word that ends the message or stands alone
// in its clause; asking for a person that way is exasperation.
func demandScore(toks []token, wantsHuman bool) float64 {
	last := -1
	for i := range toks {
		if toks[i].kind == tokWord {
			last = i
		}
	}
	first := -1
	for i := range toks {
		if toks[i].kind == tokWord {
			first = i
			break
		}
	}
	found, shouted := false, false
	for i := range toks {
		t := &toks[i]
		if t.kind != tokWord || !demandWords[t.text] {
			continue
		}
		alone := true
		for j := range toks {
			if j != i && toks[j].clause == t.clause && toks[j].kind == tokWord {
				alone = false
				break
			}
		}
		// "ya" and "ora" start many plain sentences ("ya está", "ora
		// funziona"): only the end of the message or a clause of their
		// own counts. Said in capitals in a lower-case message, not as
		// its first word ("ORA funziona"), it is a shouted demand
		// wherever it is: "voglio il rimborso SUBITO, non tra un mese",
		// "devuelvan mi dinero YA que llevo una semana".
		if i == last || alone {
			found = true
		} else if t.upper == t.letters && i != first && !mostlyUpper(toks) {
			shouted = true
		}
	}
	switch {
	case shouted || found && wantsHuman:
		return 1
	case found:
		return 0.5
	}
	return 0
}

// nowWhatScore weighs the rhetorical "now what?" after a complaint: "il
// pacco è arrivato rotto e ora?", "e adesso?", "and now?", "¿y ahora?".
func nowWhatScore(toks []token) float64 {
	for i := 1; i < len(toks); i++ {
		t, prev := &toks[i], &toks[i-1]
		if t.kind != tokWord || prev.kind != tokWord || prev.clause != t.clause {
			continue
		}
		if !(prev.text == "e" || prev.text == "and" || prev.text == "y") ||
			!(t.text == "ora" || t.text == "adesso" || t.text == "now" || t.text == "ahora") {
			continue
		}
		// the clause ends there, or soon after with a question: "e ora?",
		// "and now?", "e adesso cosa faccio??", end of message.
		for j := i + 1; j <= i+3; j++ {
			if j == len(toks) || toks[j].kind == tokPunct && toks[j].text[0] == '?' {
				return 0.8
			}
			if toks[j].kind != tokWord {
				break
			}
		}
	}
	return 0
}

// retracted reports praise taken back by a final "not" or "ma anche no"
// ("amazing service... not", "servizio top... ma anche no").
func retracted(toks []token) bool {
	n := 0
	var last [3]string
	for i := len(toks) - 1; i >= 0 && n < 3; i-- {
		if toks[i].kind == tokWord {
			last[n] = toks[i].text
			n++
		}
	}
	switch {
	case n >= 1 && (last[0] == "not" || last[0] == "nope"):
		return true
	case n >= 3 && last[0] == "no" && last[1] == "anche" && last[2] == "ma":
		return true
	case n >= 2 && last[0] == "no" && last[1] == "como":
		return true
	}
	return false
}

// downtoners soften the complaint right after them: "a bit annoying", "un
// po' lento", "un poco molesto", "slightly disappointing".
var downtoners = set("bit", "po", "poco", "pochino", "slightly", "somewhat", "kinda", "algo")

// downtoned reports whether a downtoner precedes toks[i] in its clause.
func downtoned(toks []token, i int) bool {
	return i > 0 && toks[i-1].clause == toks[i].clause && downtoners[toks[i-1].text]
}

// mostlyUpper reports whether most words of the message are in capitals
// (caps lock, or shouting throughout), where one word in capitals does not
// stand out.
func mostlyUpper(toks []token) bool {
	words, upper := 0, 0
	for i := range toks {
		if t := &toks[i]; t.alpha() && t.letters >= 2 {
			words++
			if t.upper == t.letters {
				upper++
			}
		}
	}
	return 2*upper >= words
}

// orderVerbs after a count make it loyalty, not repetition: "terza volta
// che ordino da voi", "third time I've ordered", "tercera vez que compro".
var orderVerbs = set("ordino", "ordinato", "ordinare", "compro", "comprato", "acquisto", "acquistato",
	"ordered", "ordering", "bought", "buy", "buying", "shopped", "pido", "pedi", "compre")

// loyalCount reports a count phrase ("terza volta", "third time") followed
// within three words by ordering or buying.
func loyalCount(toks []token, h hit) bool {
	isCount := false
	for i := h.start; i < h.end && i < len(toks); i++ {
		if timesWords[toks[i].text] || toks[i].text == "volta" || toks[i].text == "time" || toks[i].text == "vez" {
			isCount = true
		}
	}
	if !isCount {
		return false
	}
	for i, n := h.end, 0; i < len(toks) && n < 3; i++ {
		if toks[i].kind != tokWord {
			continue
		}
		n++
		if orderVerbs[toks[i].text] {
			return true
		}
	}
	return false
}
