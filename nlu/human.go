package nlu

// Windows, in tokens, within which a request verb and the person asked for
// go together: "voglio parlare con un operatore" (verb before), "is there
// a person I could talk to" (person before).
const (
	verbBeforeWindow = 5
	verbAfterWindow  = 4
	botNegWindow     = 2
)

// fillers may surround a bare request ("operatore!!!", "agent please",
// "ASESOR YA"): a clause made only of fillers and human_agent words asks
// for a person.
var fillers = set(
	"please", "pls", "plz", "now", "asap", "immediately", "urgent", "hi", "hello", "hey", "a", "an", "the",
	"per", "favore", "x", "grazie", "subito", "ora", "ciao", "buongiorno", "buonasera", "un", "una", "uno", "urgente",
	"por", "favor", "ya", "hola", "ahora", "gracias", "un", "una", "urgente",
	"svp", "bitte", "jetzt", "real", "vero", "vera",
)

// blockers between a verb and a person say the person is not the one
// asked for: "voglio sapere gli orari del servizio clienti".
var blockers = set(
	"know", "hours", "number", "address", "email", "sapere", "orari", "orario", "numero", "indirizzo",
	"saber", "horario", "horarios", "direccion", "savoir", "horaires", "wissen",
	"say", "tell", "dire", "dirvi", "dirti", "decir", "decirles", "dizer", "dire",
	// a person who will do something is news, not a request: "someone
	// from the depot will call me"
	"will",
)

// possessives before a person make it someone of the customer's: "my
// travel agent", "il mio agente di commercio", "mi agente de seguros".
var possessives = set("my", "mio", "mia", "miei", "mi", "meu", "minha", "mon", "ma", "mein", "meine", "our", "nostro", "nuestro")

// codeWords after a person make it an identifier: "agent code", "agent ID".
var codeWords = set("code", "id", "number", "no", "nr", "codice", "numero", "codigo", "nummer")

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// humanParts is what the rules found about asking for a person: their
// verdict (yes), a request that is negated ("non voglio un operatore", "I
// don't need an agent": the rules are sure it is not one), and the pieces
// the learned model reads as features.
type humanParts struct {
	yes, negated bool
	// weak: a phrase that often asks for a person but not always ("c'è
	// qualcuno?" is also a hello); the model decides.
	weak                    bool
	person, verb, bot, trap bool
}

// wantsHuman decides whether a message asks for a person, from the lexicon
// hits of the message. It never looks at the intent classifier.
func (a *Analyzer) wantsHuman(toks []token, hits []hit) humanParts {
	var p humanParts
	refusedIn := -1 // the last clause that refuses a person
	for _, h := range hits {
		switch h.lex {
		case lexHumanAgent:
			p.person = true
		case lexHumanRequest:
			p.verb = true
		case lexBot:
			p.bot = true
		case lexNotHuman:
			p.trap = true
		}
		if (h.lex == lexHumanAgent || h.lex == lexWantsHuman) && refused(a.lex, toks, h) {
			p.negated = true
			refusedIn = max(refusedIn, toks[h.start].clause)
		}
		if h.lex == lexHumanAgent {
			// "I don't want to talk to a person": the negation and the
			// want word sit before the verb, too far from the person.
			if v, ok := requestFor(toks, hits, h); ok && v.negated && v.end <= h.start && (wantWords[toks[v.start].text] || wantBefore(toks, v.start)) &&
				!botRefusedBefore(a.lex, toks, hits, h) {
				p.negated = true
				refusedIn = max(refusedIn, toks[h.start].clause)
			}
		}
	}
	p.yes = a.rulesWantHuman(toks, hits, &p)
	if p.negated && p.yes && a.requestAfter(toks, hits, refusedIn) {
		// "non voglio parlare con lo stesso operatore, voglio un altro
		// operatore": a request in a later clause takes back the refusal.
		p.negated = false
	}
	return p
}

// requestAfter reports whether the clauses after clause ask for a person
// by themselves (the rules' verdict on their hits alone).
func (a *Analyzer) requestAfter(toks []token, hits []hit, clause int) bool {
	var later []hit
	for _, h := range hits {
		if toks[h.start].clause > clause || h.lex == lexNotHuman {
			later = append(later, h)
		}
	}
	var discard humanParts
	return a.rulesWantHuman(toks, later, &discard)
}

func (a *Analyzer) rulesWantHuman(toks []token, hits []hit, p *humanParts) bool {
	overlapsTrap := func(h hit) bool {
		for _, t := range hits {
			if t.lex == lexNotHuman && h.start < t.end && t.start < h.end {
				return true
			}
		}
		return false
	}
	for _, h := range hits {
		if h.lex == lexWantsHuman && !h.negated && !overlapsTrap(h) {
			if h.weight < 1 {
				p.weak = true
				continue
			}
			return true
		}
	}
	// People and bots, with the verbs that ask for them.
	for _, n := range hits {
		if n.lex != lexHumanAgent && n.lex != lexBot {
			continue
		}
		if overlapsTrap(n) || (n.lex == lexHumanAgent && isIdentifier(toks, n)) {
			continue
		}
		if n.lex == lexBot {
			// "not a bot", "no bots", "ningún bot".
			if negatedWithin(a.lex, toks, n.start, botNegWindow) {
				return true
			}
		}
		v, ok := requestFor(toks, hits, n)
		if !ok {
			continue
		}
		switch {
		case n.lex == lexBot && v.negated && v.end <= n.start:
			return true // "non voglio parlare con un robot"
		case n.lex == lexHumanAgent && !v.negated && !n.negated:
			if presenceCheck(toks, v, n) {
				p.weak = true // "c'è qualcuno?": a hello as often as a request
				continue
			}
			return true
		}
	}
	return bareRequest(toks, hits, overlapsTrap)
}

// existential verbs and indefinite people make a presence check: "c'è
// qualcuno?", "is anyone there?", "¿hay alguien disponible?".
var (
	existential = set("c'è", "ce", "c", "è", "e", "ci", "sono", "is", "are", "there", "hay", "anyone", "anybody")
	indefinite  = set("qualcuno", "someone", "somebody", "anyone", "anybody", "alguien", "persona", "person")
	presence    = set("there", "here", "online", "available", "around", "alive", "lì", "li", "qui", "disponibile",
		"disponibili", "in", "linea", "ahí", "ahi", "aquí", "aqui", "disponible", "conectado", "al", "otro", "lado")
)

// presenceCheck reports a request verb v and a person n that only ask
// whether someone is there: an existential verb ("c'è", "is there",
// "hay"), an indefinite person, and nothing after it in its clause but
// where or whether they are ("disponibile", "there", "ahí").
func presenceCheck(toks []token, v, n hit) bool {
	if v.end > n.start || !existential[toks[v.end-1].text] || !indefinite[toks[n.end-1].text] {
		return false
	}
	for i := n.end; i < len(toks) && toks[i].clause == toks[n.start].clause; i++ {
		if toks[i].kind == tokWord && !presence[toks[i].text] && !fillers[toks[i].text] {
			return false
		}
	}
	return true
}

// requestFor finds a request verb that goes with the person or bot n.
func requestFor(toks []token, hits []hit, n hit) (hit, bool) {
	for _, v := range hits {
		if v.lex != lexHumanRequest || toks[v.start].clause != toks[n.start].clause || blockers[toks[v.start].text] {
			continue // German "will" is no request in "someone will call me"
		}
		switch {
		case v.end <= n.start && n.start-v.end < verbBeforeWindow:
			if !blocked(toks, v.end, n.start) {
				return v, true
			}
		case n.end <= v.start && v.start-n.end < verbAfterWindow:
			if !blocked(toks, n.end, v.start) {
				return v, true
			}
		}
	}
	return hit{}, false
}

func blocked(toks []token, from, to int) bool {
	for i := from; i < to; i++ {
		if blockers[toks[i].text] {
			return true
		}
	}
	return false
}

// isIdentifier reports a person word used as a label: "Agent 47", "agent
// code", "my agent".
func isIdentifier(toks []token, n hit) bool {
	if n.end < len(toks) {
		next := &toks[n.end]
		if next.kind == tokWord && (next.digits > 0 || codeWords[next.text]) {
			return true
		}
	}
	if n.start > 0 && toks[n.start-1].clause == toks[n.start].clause && possessives[toks[n.start-1].text] {
		// "mi passi", "mi chiami" put "mi" before a verb, not before the
		// person; here "mi" sits right before the person.
		return true
	}
	return false
}

// negatedWithin reports a negation cue at most n words before toks[i].
func negatedWithin(lx *lexicon, toks []token, i, n int) bool {
	for j := i - 1; j >= 0 && j >= i-n && toks[j].clause == toks[i].clause; j-- {
		if lx.negation[toks[j].text] {
			return true
		}
	}
	return false
}

// bareRequest reports a clause that is only people and fillers:
// "operatore!!!", "agent", "representative please", "ASESOR YA".
func bareRequest(toks []token, hits []hit, overlapsTrap func(hit) bool) bool {
	covered := make([]bool, len(toks))
	for _, h := range hits {
		if h.lex == lexHumanAgent && !overlapsTrap(h) {
			for i := h.start; i < h.end; i++ {
				covered[i] = true
			}
		}
	}
	clause, people, others := -1, 0, 0
	flush := func() bool { return people > 0 && others == 0 }
	for i := range toks {
		t := &toks[i]
		if t.clause != clause {
			if flush() {
				return true
			}
			clause, people, others = t.clause, 0, 0
		}
		if t.kind != tokWord {
			continue
		}
		switch {
		case covered[i]:
			if i > 0 && covered[i-1] && toks[i-1].clause == clause {
				continue // same phrase, or "operatore operatore"
			}
			people++
		case fillers[t.text]:
		default:
			others++
		}
	}
	return flush()
}

// wantWords say wanting or needing; next to a negation and a person they
// refuse one: "non voglio un operatore", "no need for an agent", "no hace
// falta un humano", "no agent needed".
var wantWords = set("voglio", "vorrei", "serve", "servono", "bisogno", "occorre", "passate", "passatemi",
	"want", "wanna", "need", "needed", "necessary", "transfer",
	"quiero", "necesito", "falta", "hace", "pasen", "pases")

// wantBefore reports a want word at most four words before toks[i], in
// its clause.
func wantBefore(toks []token, i int) bool {
	for j := i - 1; j >= 0 && j >= i-4 && toks[j].clause == toks[i].clause; j-- {
		if wantWords[toks[j].text] {
			return true
		}
	}
	return false
}

// refused reports a person refused: a negation and a want word in the
// person's clause, within five words before it or two after.
func refused(lx *lexicon, toks []token, h hit) bool {
	clause := toks[h.start].clause
	neg, want := false, false
	for j := max(h.start-5, 0); j < len(toks) && j < h.end+2; j++ {
		if toks[j].clause != clause || toks[j].kind != tokWord {
			continue
		}
		switch {
		case lx.negation[toks[j].text] && j < h.start:
			neg = true
		case wantWords[toks[j].text]:
			want = true
		}
	}
	return neg && want
}

// botRefusedBefore reports whether the negation before the person h
// refuses the bot, and a request verb after the bot asks for h: "no
// quiero un bot quiero una persona", "non voglio il robot passami una
// persona". The refusal then has its object, and the person is asked
// for.
func botRefusedBefore(lx *lexicon, toks []token, hits []hit, h hit) bool {
	covered := func(i int, lex lexID) bool {
		for _, x := range hits {
			if x.lex == lex && x.start <= i && i < x.end {
				return true
			}
		}
		return false
	}
	verb, bot := false, false
	for i := h.start - 1; i >= 0 && toks[i].clause == toks[h.start].clause; i-- {
		switch {
		case lx.negation[toks[i].text]:
			return bot
		case covered(i, lexBot):
			bot = bot || verb
		case wantWords[toks[i].text] || covered(i, lexHumanRequest):
			verb = verb || !bot
		}
	}
	return false
}
