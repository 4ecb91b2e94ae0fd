package nlu

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

//go:embed lexicon/*.txt
var lexiconFS embed.FS

// lexID names a lexicon. The names are what flows use in
// flows.NLUConfig.Lexicon; see the package documentation.
type lexID uint8

const (
	lexWantsHuman   lexID = iota // direct requests for a person: "human", "real person", "basta bot"
	lexHumanRequest              // verbs asking for someone: "talk", "passami", "pasame con"
	lexHumanAgent                // who they ask for: "operator", "agent", "collega", "asesor"
	lexBot                       // the bot itself: "bot", "chatbot", "risposte automatiche"
	lexNotHuman                  // traps: "agent code", "mobile operator", "are you ... human"
	lexFrustrated                // insults, complaints, threats to leave or review
	lexNegative                  // negative words for sentiment: "broken", "late", "errore"
	lexPositive                  // positive words for sentiment: "thanks", "great", "risolto"
	lexSarcasm                   // sarcasm markers: "oh great", "complimenti", "gracias por nada"
	lexNegation                  // negation cues: "not", "non", "no", "nunca"
	lexIntensifier               // intensifiers: "very", "molto", "muy"
	lexTopic                     // topic_NAME: domain words the intent classifier sees as one feature
	lexCalm                      // the customer says they are calm: "not angry", "no rush", "sin prisa"
	numLex
)

var lexNames = [numLex]string{
	lexWantsHuman:   "wants_human",
	lexHumanRequest: "human_request",
	lexHumanAgent:   "human_agent",
	lexBot:          "bot",
	lexNotHuman:     "not_human",
	lexFrustrated:   "frustrated",
	lexNegative:     "negative",
	lexPositive:     "positive",
	lexSarcasm:      "sarcasm",
	lexNegation:     "negation",
	lexIntensifier:  "intensifier",
	lexTopic:        "topic_*",
	lexCalm:         "calm",
}

// LexiconNames returns the names of the lexicons a flow can extend, sorted.
func LexiconNames() []string {
	out := append([]string(nil), lexNames[:]...)
	sort.Strings(out)
	return out
}

func lexByName(name string) (lexID, bool) {
	if t, ok := strings.CutPrefix(name, "topic_"); ok && t != "" {
		return lexTopic, true
	}
	for i, n := range lexNames {
		if n == name {
			return lexID(i), true
		}
	}
	return 0, false
}

// pword is one word of a phrase pattern.
type pword struct {
	text   string
	prefix bool // "vergogn*" matches any word starting with "vergogn"
	gap    bool // "..." skips up to maxGap words
}

const maxGap = 3

// phrase is one lexicon entry.
type phrase struct {
	words  []pword
	weight float64
	// negatable: a negation cue shortly before the phrase in its clause
	// cancels it. A leading "=" in the data file turns it off.
	negatable bool
	lex       lexID
	topicHash uint64 // for lexTopic: the cue hash of "topic:NAME"
	source    string // file:line, for error messages
}

// hit is one phrase found in a message: tokens [start, end).
type hit struct {
	lex        lexID
	start, end int
	weight     float64
	negated    bool
	topicHash  uint64
}

// lexicon holds every phrase of every language, indexed by first word.
type lexicon struct {
	phrases []phrase
	byWord  map[string][]int32
	// byPrefix indexes phrases whose first word is a prefix pattern by its
	// first three bytes.
	byPrefix map[string][]int32
	// words is the set of single-word entries of lexicons that are only
	// looked up word by word (negation, intensifier).
	negation    map[string]bool
	intensifier map[string]bool
}

// parsePhrase turns one data line into a phrase. It returns ok false for
// blank lines and comments.
func parsePhrase(line string, lex lexID, source string) (phrase, bool, error) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return phrase{}, false, nil
	}
	p := phrase{weight: 1, negatable: true, lex: lex, source: source}
	if lex == lexNegative || lex == lexPositive {
		p.weight = 0.5
	}
	if strings.HasPrefix(line, "=") {
		p.negatable = false
		line = strings.TrimSpace(line[1:])
	}
	if i := strings.LastIndex(line, " @"); i >= 0 {
		w, err := strconv.ParseFloat(strings.TrimSpace(line[i+2:]), 64)
		if err != nil || w < 0 || w > 10 {
			return phrase{}, false, fmt.Errorf("%s: weight %q is not a number between 0 and 10", source, line[i+2:])
		}
		p.weight = w
		line = strings.TrimSpace(line[:i])
	}
	var buf []token
	for _, f := range strings.Fields(line) {
		if f == "..." {
			if len(p.words) == 0 {
				return phrase{}, false, fmt.Errorf("%s: a phrase cannot start with \"...\"", source)
			}
			p.words = append(p.words, pword{gap: true})
			continue
		}
		prefix := strings.HasSuffix(f, "*") && len(f) > 1
		f = strings.TrimSuffix(f, "*")
		buf = tokenize(f, buf[:0])
		for i, t := range buf {
			if t.kind == tokBreak {
				continue
			}
			w := pword{text: t.text}
			if prefix && i == len(buf)-1 {
				if len(t.text) < 3 {
					return phrase{}, false, fmt.Errorf("%s: prefix %q is too short; write at least 3 letters before *", source, f)
				}
				w.prefix = true
			}
			p.words = append(p.words, w)
		}
	}
	symbols := true
	for _, w := range p.words {
		symbols = symbols && !w.gap && !hasLetterOrDigit(w.text)
	}
	if symbols {
		p.negatable = false // "😤" after "non ha neanche suonato" still counts
	}
	for len(p.words) > 0 && p.words[len(p.words)-1].gap {
		p.words = p.words[:len(p.words)-1]
	}
	if len(p.words) == 0 {
		return phrase{}, false, nil
	}
	return p, true, nil
}

// newLexicon loads the embedded data files and adds the extensions
// (lexicon name → language → phrases).
func newLexicon(ext map[string]map[string][]string) (*lexicon, error) {
	lx := &lexicon{
		byWord:      map[string][]int32{},
		byPrefix:    map[string][]int32{},
		negation:    map[string]bool{},
		intensifier: map[string]bool{},
	}
	files, err := fs.Glob(lexiconFS, "lexicon/*.txt")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		base := strings.TrimSuffix(path.Base(f), ".txt")
		name, _, _ := strings.Cut(base, ".")
		id, ok := lexByName(name)
		if !ok {
			continue // language profiles and other data
		}
		data, err := lexiconFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for i, line := range strings.Split(string(data), "\n") {
			if err := lx.add(line, id, name, fmt.Sprintf("%s:%d", f, i+1)); err != nil {
				return nil, err
			}
		}
	}
	names := make([]string, 0, len(ext))
	for n := range ext {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		id, ok := lexByName(name)
		if !ok {
			return nil, fmt.Errorf("nlu: unknown lexicon %q; use one of %s", name, strings.Join(LexiconNames(), ", "))
		}
		for lang, phrases := range ext[name] {
			for i, ph := range phrases {
				if err := lx.add(ph, id, name, fmt.Sprintf("lexicon %s.%s[%d]", name, lang, i)); err != nil {
					return nil, fmt.Errorf("nlu: %w", err)
				}
			}
		}
	}
	return lx, nil
}

func (lx *lexicon) add(line string, id lexID, name, source string) error {
	p, ok, err := parsePhrase(line, id, source)
	if err != nil || !ok {
		return err
	}
	if id == lexTopic {
		p.topicHash = cueHash("topic:" + strings.TrimPrefix(name, "topic_"))
	}
	switch id {
	case lexNegation, lexIntensifier:
		if len(p.words) != 1 || p.words[0].prefix || p.words[0].gap {
			return fmt.Errorf("%s: %s entries are single words", source, lexNames[id])
		}
		if id == lexNegation {
			lx.negation[p.words[0].text] = true
		} else {
			lx.intensifier[p.words[0].text] = true
		}
		return nil
	}
	idx := int32(len(lx.phrases))
	lx.phrases = append(lx.phrases, p)
	first := p.words[0]
	if first.prefix {
		k := first.text[:3]
		lx.byPrefix[k] = append(lx.byPrefix[k], idx)
	} else {
		lx.byWord[first.text] = append(lx.byWord[first.text], idx)
	}
	return nil
}

// match finds every phrase in toks and appends the hits to out.
func (lx *lexicon) match(toks []token, out []hit) []hit {
	for i := range toks {
		t := toks[i].text
		if toks[i].kind == tokBreak {
			continue
		}
		for _, pi := range lx.byWord[t] {
			out = lx.try(toks, i, pi, out)
		}
		if u, ok := unstretch(t); ok {
			for _, pi := range lx.byWord[u] {
				out = lx.try(toks, i, pi, out)
			}
		}
		if len(t) >= 3 {
			for _, pi := range lx.byPrefix[t[:3]] {
				out = lx.try(toks, i, pi, out)
			}
		}
	}
	return out
}

func (lx *lexicon) try(toks []token, i int, pi int32, out []hit) []hit {
	p := &lx.phrases[pi]
	end, ok := matchFrom(toks, i, toks[i].clause, p.words)
	if !ok {
		return out
	}
	h := hit{lex: p.lex, start: i, end: end, weight: p.weight, topicHash: p.topicHash}
	if p.negatable {
		h.negated = lx.negatedAt(toks, i)
	}
	return append(out, h)
}

// matchFrom matches words at toks[i:], within one clause, and returns the
// end of the match.
func matchFrom(toks []token, i, clause int, words []pword) (int, bool) {
	if len(words) == 0 {
		return i, true
	}
	w := words[0]
	if w.gap {
		for skip := 0; skip <= maxGap; skip++ {
			if end, ok := matchFrom(toks, i+skip, clause, words[1:]); ok {
				return end, true
			}
			if i+skip >= len(toks) || toks[i+skip].clause != clause || toks[i+skip].kind != tokWord {
				break
			}
		}
		return 0, false
	}
	if i >= len(toks) || toks[i].clause != clause {
		return 0, false
	}
	t := toks[i].text
	if w.prefix {
		if !strings.HasPrefix(t, w.text) {
			return 0, false
		}
	} else if t != w.text {
		if u, ok := unstretch(t); !ok || u != w.text {
			return 0, false
		}
	}
	return matchFrom(toks, i+1, clause, words[1:])
}

// unstretch drops the last letter of a word that ends in a doubled vowel
// or y: "ciaoo" → "ciao", "heyy" → "hey", "holaa" → "hola". tokenize
// already squeezes runs of three or more letters; a doubled last letter is
// left alone there because "too", "free" or "see" are words, so lexicon
// phrases accept it only as a second try, when the word itself does not
// match.
func unstretch(t string) (string, bool) {
	n := len(t)
	if n < 3 || t[n-1] != t[n-2] {
		return "", false
	}
	switch t[n-1] {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return t[:n-1], true
	}
	return "", false
}

// negationWindow is how many words before a phrase a negation cue reaches.
const negationWindow = 4

// negatedAt reports whether a negation cue precedes toks[i] in its clause.
func (lx *lexicon) negatedAt(toks []token, i int) bool {
	clause := toks[i].clause
	n := 0
	for j := i - 1; j >= 0 && toks[j].clause == clause && n < negationWindow; j-- {
		if toks[j].kind != tokWord {
			continue
		}
		if lx.negation[toks[j].text] {
			return true
		}
		n++
	}
	return false
}

// intensified reports whether an intensifier word precedes toks[i].
func (lx *lexicon) intensified(toks []token, i int) bool {
	return i > 0 && toks[i-1].clause == toks[i].clause && lx.intensifier[toks[i-1].text]
}

func hasLetterOrDigit(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}
