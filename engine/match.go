package engine

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

// token is one folded word of the user's message and the clause it is in.
type token struct {
	w      string
	clause int32
}

// tokens folds and splits the message once per turn. Clauses are split at
// , . ; : ! ? and at the conjunctions ma, però, pero, but.
func (t *turn) tokens() []token {
	if t.toksDone {
		return t.toks
	}
	t.toksDone = true
	t.toks = tokenize(flows.Fold(t.text), t.tokBuf[:0])
	return t.toks
}

func tokenize(folded string, buf []token) []token {
	var clause int32
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := folded[start:end]
		start = -1
		switch w {
		case "ma", "pero", "but":
			clause++
		}
		buf = append(buf, token{w: w, clause: clause})
	}
	for i, r := range folded {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		switch r {
		case ',', '.', ';', ':', '!', '?', '¿', '¡', '\n':
			clause++
		}
	}
	flush(len(folded))
	return buf
}

// negationCues precede a phrase to cancel it (Italian, English, Spanish).
var negationCues = map[string]bool{
	"non": true, "no": true, "mai": true, "nessun": true, "nessuno": true, "niente": true, "senza": true,
	"not": true, "never": true, "dont": true, "without": true, "nor": true, "doesnt": true, "didnt": true,
	"nunca": true, "ni": true, "sin": true, "tampoco": true,
}

// requestWords may stand between a negation and the phrase it cancels
// beyond the third word: the verbs, articles and prepositions of asking
// for someone or something ("non voglio parlare con un operatore", "I
// don't want to talk to an agent", "no quiero hablar con un agente", "I'm
// not asking for a refund", "non vi sto chiedendo un rimborso", "no estoy
// pidiendo un reembolso").
var requestWords = map[string]bool{
	// it
	"voglio": true, "vorrei": true, "volevo": true, "serve": true, "servono": true, "bisogno": true, "ho": true,
	"parlare": true, "sentire": true, "chiamare": true, "contattare": true, "essere": true, "passato": true,
	"di": true, "del": true, "della": true, "con": true, "a": true, "ad": true, "al": true, "alla": true, "da": true, "per": true,
	"un": true, "uno": true, "una": true, "il": true, "lo": true, "la": true, "l": true, "mi": true,
	"piu": true, "affatto": true, "proprio": true, "davvero": true, "ancora": true, "ora": true, "adesso": true,
	"sto": true, "stiamo": true, "chiedo": true, "chiedendo": true, "cerco": true, "cercando": true, "vi": true, "ti": true,
	"assolutamente": true,
	// en
	"want": true, "wanna": true, "need": true, "would": true, "like": true, "to": true, "talk": true, "speak": true,
	"chat": true, "with": true, "an": true, "the": true, "any": true, "get": true, "me": true, "be": true,
	"transferred": true, "connected": true, "put": true, "through": true, "really": true, "now": true, "yet": true,
	"asking": true, "ask": true, "looking": true, "for": true, "after": true, "you": true,
	// es
	"quiero": true, "queria": true, "necesito": true, "hablar": true, "el": true, "que": true,
	"pases": true, "pasen": true, "ahora": true, "mas": true,
	"estoy": true, "pido": true, "pidiendo": true, "solicito": true, "solicitando": true, "les": true, "os": true,
	"ningun": true, "ninguna": true,
}

// negated reports whether a negation cancels the phrase at toks[i]: a
// negation cue among the three words before it, or further back in the
// same clause (up to eight words) with only requestWords between.
func negated(toks []token, i int) bool {
	c := toks[i].clause
	for k := i - 1; k >= 0 && k >= i-8; k-- {
		if toks[k].clause != c {
			return false
		}
		w := toks[k].w
		if negationCues[w] {
			return true
		}
		// don't, didn't, doesn’t → don, t: the cue is the word joined ("dont").
		if w == "t" && k > 0 && toks[k-1].clause == c && negationCues[toks[k-1].w+"t"] {
			return true
		}
		if i-k >= 3 && !requestWords[w] {
			return false
		}
	}
	return false
}

// findPhrase reports whether the words of phrase occur consecutively in
// toks, not negated when negatable is set.
func findPhrase(toks []token, phrase []string, negatable bool) bool {
	n := len(phrase)
	if n == 0 {
		return false
	}
outer:
	for i := 0; i+n <= len(toks); i++ {
		for j := 0; j < n; j++ {
			if toks[i+j].w != phrase[j] {
				continue outer
			}
		}
		if negatable && negated(toks, i) {
			continue
		}
		return true
	}
	return false
}

// keywords returns the first phrase found in the message.
func (t *turn) keywords(k *flows.Keywords) ([]string, bool) {
	toks := t.tokens()
	if len(toks) == 0 {
		return nil, false
	}
	for _, p := range k.Phrases {
		if findPhrase(toks, p, k.Negatable) {
			return p, true
		}
	}
	return nil, false
}

// menuIndex is a menu's matching data, computed once per engine.
type menuIndex struct {
	opts []optIndex
}

type optIndex struct {
	id   string
	keys [][]string // folded words of labels, synonyms and the id
}

func newMenuIndex(m *flows.Menu) *menuIndex {
	mi := &menuIndex{opts: make([]optIndex, len(m.Options))}
	for i, o := range m.Options {
		if o == nil {
			continue
		}
		oi := optIndex{id: o.ID}
		seen := map[string]bool{}
		add := func(s string) {
			words := flows.Words(flows.Fold(s))
			k := strings.Join(words, " ")
			if len(words) == 0 || seen[k] {
				return
			}
			seen[k] = true
			oi.keys = append(oi.keys, words)
		}
		for _, k := range o.Keys {
			add(k)
		}
		for _, l := range o.Label {
			add(l)
		}
		add(o.ID)
		mi.opts[i] = oi
	}
	return mi
}

// optionPayload returns the id of the current state's menu option whose
// flows.OptionToken p is (a channel sends one for an id too long for its
// buttons), else p: a tapped token then reads as a tap on the id, in the
// match (directChoice), the transcript and the trace alike. An id equal
// to p wins; the loader refuses a menu where that could be ambiguous.
func (t *turn) optionPayload(p string) string {
	if !flows.IsOptionToken(p) || t.f == nil {
		return p
	}
	st := t.f.States[t.s.State]
	if st == nil || st.Menu == nil {
		return p
	}
	for _, o := range st.Menu.Options {
		if o != nil && o.ID == p {
			return p
		}
	}
	for _, o := range st.Menu.Options {
		if o != nil && flows.OptionToken(o.ID) == p {
			return o.ID
		}
	}
	return p
}

// directChoice returns the option a button payload or a number selects,
// or -1: such a choice never needs the analyser.
func (t *turn) directChoice(m *flows.Menu) int {
	if p := t.in.Payload; p != "" {
		for i, o := range m.Options {
			if o != nil && o.ID == p {
				return i
			}
		}
	}
	s := strings.TrimSpace(t.in.Text)
	s = strings.TrimRight(s, ".)")
	// WhatsApp users pick numbered options with keycap emoji: "2️⃣" is the
	// digit, U+FE0F and the enclosing keycap U+20E3; "🔟" is ten.
	s = strings.TrimSuffix(strings.TrimSuffix(s, "\u20E3"), "\uFE0F")
	s = strings.TrimPrefix(s, "#")
	if s == "\U0001F51F" {
		s = "10"
	}
	if s == "" || len(s) > 3 {
		return -1
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return -1
	}
	for i, o := range m.Options {
		if o == nil {
			continue
		}
		num := o.Number
		if num == 0 {
			num = i + 1
		}
		if num == n {
			return i
		}
	}
	return -1
}

// matchMenu finds the option the message names: the whole message equal to
// a label, synonym or id; else the option whose key is found in it (the
// longest wins); else a single-word key within a small typo. Two options
// that tie are no match: the user is asked again.
func (t *turn) matchMenu(m *flows.Menu) int {
	mi := t.e.menus[m]
	if mi == nil {
		mi = newMenuIndex(m) // a menu the engine did not index (a flow changed after New)
	}
	toks := t.tokens()
	if len(toks) == 0 {
		return -1
	}
	best, bestScore, tie := -1, 0, false
	for i, o := range mi.opts {
		score := 0
		for _, k := range o.keys {
			sc := 0
			if len(k) == len(toks) && equalWords(toks, k) {
				sc = 1000
			} else if findPhrase(toks, k, true) {
				sc = len(k)
			}
			score = max(score, sc)
		}
		switch {
		case score == 0:
		case score > bestScore:
			best, bestScore, tie = i, score, false
		case score == bestScore && best != i:
			tie = true
		}
	}
	if best >= 0 {
		if tie {
			return -1
		}
		return best
	}
	// Typos: each message word of 4+ runes against single-word keys. A
	// negated word names no option here either ("non voglio il pacco").
	bestDist := 3
	for i, o := range mi.opts {
		for _, k := range o.keys {
			if len(k) != 1 {
				continue
			}
			for j, tk := range toks {
				if negated(toks, j) {
					continue
				}
				d, ok := typoDistance(tk.w, k[0])
				if !ok {
					continue
				}
				switch {
				case d < bestDist:
					best, bestDist, tie = i, d, false
				case d == bestDist && best != i:
					tie = true
				}
			}
		}
	}
	if tie {
		return -1
	}
	return best
}

func equalWords(toks []token, words []string) bool {
	for i, w := range words {
		if toks[i].w != w {
			return false
		}
	}
	return true
}

// typoDistance returns the Damerau–Levenshtein distance between a and b
// when it is a tolerated typo: at most 1 for words of 5+ runes, 2 for 8+.
// Four-letter words must be exact: "stop" is not "shop", "nope" not "note".
func typoDistance(a, b string) (int, bool) {
	la, lb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	n := min(la, lb)
	limit := 0
	switch {
	case n >= 8:
		limit = 2
	case n >= 5:
		limit = 1
	default:
		return 0, false
	}
	if la-lb > limit || lb-la > limit || la > 64 || lb > 64 {
		return 0, false
	}
	d := damerau(a, b)
	return d, d <= limit
}

// damerau is the optimal-string-alignment distance of a and b (≤ 64 runes),
// without heap allocation.
func damerau(a, b string) int {
	var ra, rb [64]rune
	na, nb := 0, 0
	for _, r := range a {
		ra[na] = r
		na++
	}
	for _, r := range b {
		rb[nb] = r
		nb++
	}
	var rows [3][65]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= nb; j++ {
		prev[j] = j
	}
	for i := 1; i <= na; i++ {
		cur[0] = i
		for j := 1; j <= nb; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[nb]
}
