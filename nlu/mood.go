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
)

// scareQuote finds a short quoted word: thanks for the "quick" refund.
var scareQuote = regexp.MustCompile(`["“«]([\p{L}\s]{2,20})["”»]`)

// mood scores frustration and sentiment.
func (a *Analyzer) mood(raw string, toks []token, hits []hit) (frustrated bool, sentiment float64) {
	var frust, neg, pos, sarcasm float64
	negation := false
	for _, h := range hits {
		w := h.weight
		if a.lex.intensified(toks, h.start) {
			w *= 1.5
		}
		switch h.lex {
		case lexFrustrated:
			if !h.negated {
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
			}
		}
	}
	for i := range toks {
		if toks[i].kind == tokWord && a.lex.negation[toks[i].text] {
			negation = true
		}
	}
	// Ironic praise next to a complaint: "oh great, another error 🙄",
	// "complimenti davvero 👏", "qué bien, me cobraron otra vez".
	evidence := neg + frust
	if negation {
		evidence += 0.3
	}
	if q := scareQuotedPraise(a, raw); q && evidence > 0 {
		sarcasm = max(sarcasm, 1)
	}
	if sarcasm > 0 && evidence >= 0.5 {
		frust += sarcasm
		pos = 0
	}
	frust += punctuationScore(toks)
	frust += repetitionScore(toks)
	frust += shoutingScore(toks)
	frust += min(neg*0.4, 0.5)
	if pos >= 1 && neg == 0 && frust < 1.5 {
		frust -= 0.5
	}
	frustrated = frust >= frustratedAt

	questions := strings.ContainsRune(raw, '?')
	if questions || len(toks) > 10 {
		pos *= 0.5
	}
	s := 0.6*pos - 0.3*neg - 0.5*max(frust, 0)
	sentiment = math.Tanh(s)
	if frustrated {
		sentiment = min(sentiment, -0.5)
	}
	return frustrated, sentiment
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
func shoutingScore(toks []token) float64 {
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
		// phone, not shouting; it counts as emphasis below.
		return 1
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
		if t.alpha() && t.letters >= 2 && t.text == prev {
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
