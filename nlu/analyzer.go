package nlu

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

// DefaultThreshold is the confidence below which the intent is
// flows.UnknownIntent when neither the flow nor WithThreshold sets one.
const DefaultThreshold = 0.4

// Source is the Signals.Source of this analyser.
const Source = "builtin"

// maxInput bounds the text analysed; longer messages are cut (on a rune
// boundary) so a pasted novel cannot cost more than a few milliseconds.
const maxInput = 4096

// Analyzer is the built-in analyser. It is immutable once built and safe
// for concurrent use.
type Analyzer struct {
	lex     *lexicon
	lang    *langProfile
	model   *classifier  // nil without intents
	signals *signalModel // nil: the rules alone (while training it)
	prior   *priorModel  // nil: no prior cues (while training it)
	// vocab holds the content words of the intents' examples
	// (out-of-domain detection).
	vocab     map[string]bool
	threshold float64
	quick     map[string]bool
	pool      sync.Pool
}

var _ flows.Analyzer = (*Analyzer)(nil)

// Option configures New.
type Option func(*config) error

type config struct {
	// signalModel and prior, when set, replace the built-in ones
	// (cross-validation in the tests).
	signalModel *signalModel
	prior       *priorModel
	intents     []*flows.Intent
	threshold   float64
	lexicon     map[string]map[string][]string
}

// WithIntents gives the intents and example phrases the classifier learns
// from. Without intents every message's intent is flows.UnknownIntent.
func WithIntents(intents []*flows.Intent) Option {
	return func(c *config) error {
		c.intents = append(c.intents, intents...)
		return nil
	}
}

// WithThreshold sets the confidence (0 to 1) below which the intent is
// flows.UnknownIntent. 0 always reports the best intent.
func WithThreshold(t float64) Option {
	return func(c *config) error {
		if t < 0 || t > 1 || t != t {
			return fmt.Errorf("nlu: threshold %v is out of range; use a number between 0 and 1", t)
		}
		c.threshold = t
		return nil
	}
}

// WithLexicon extends the built-in lexicons: lexicon name → language →
// phrases (see the package documentation for the names and the syntax).
func WithLexicon(ext map[string]map[string][]string) Option {
	return func(c *config) error {
		if c.lexicon == nil {
			c.lexicon = map[string]map[string][]string{}
		}
		for name, byLang := range ext {
			if c.lexicon[name] == nil {
				c.lexicon[name] = map[string][]string{}
			}
			for lang, ps := range byLang {
				c.lexicon[name][lang] = append(c.lexicon[name][lang], ps...)
			}
		}
		return nil
	}
}

// New builds an analyser. Training on the intents' examples takes a few
// milliseconds for hundreds of phrases.
func New(opts ...Option) (*Analyzer, error) {
	c := config{threshold: DefaultThreshold}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	a, err := newBare(c.lexicon)
	if err != nil {
		return nil, err
	}
	a.threshold = c.threshold
	if c.prior != nil {
		a.prior = c.prior
	} else if a.prior, err = defaultPrior(); err != nil {
		return nil, err
	}
	if c.signalModel != nil {
		a.signals = c.signalModel
	} else {
		a.signals, err = defaultSignalModel()
	}
	if err != nil {
		return nil, err
	}
	if len(c.intents) > 0 {
		classes, texts, labels, err := collectExamples(c.intents)
		if err != nil {
			return nil, err
		}
		if len(classes) == 1 {
			return nil, fmt.Errorf("nlu: only one intent (%q); the classifier needs at least two, add another intent with examples", classes[0])
		}
		docs := make([][]uint64, len(texts))
		s := &scratch{}
		for i, t := range texts {
			a.prepare(s, t)
			docs[i] = append([]uint64(nil), s.hashes...)
		}
		a.model, err = trainClassifier(classes, docs, labels)
		if err != nil {
			return nil, fmt.Errorf("nlu: %w", err)
		}
		a.vocab = map[string]bool{}
		for _, t := range texts {
			for _, tk := range tokenize(t, s.toks[:0]) {
				if a.contentWord(&tk) {
					a.vocab[tk.text] = true
				}
			}
		}
	}
	return a, nil
}

// newBare builds an analyser with the lexicons and the language profiles
// only: no intents, and the rules alone for the signals.
func newBare(ext map[string]map[string][]string) (*Analyzer, error) {
	lx, err := newLexicon(ext)
	if err != nil {
		return nil, err
	}
	lp, err := loadLangProfile()
	if err != nil {
		return nil, err
	}
	a := &Analyzer{lex: lx, lang: lp, threshold: DefaultThreshold, quick: map[string]bool{}}
	for _, w := range ironicWords {
		a.quick[foldString(w, nil)] = true
	}
	a.pool.New = func() any { return &scratch{} }
	return a, nil
}

// FromFlow builds the analyser a flow asks for: its intents and example
// phrases, its threshold (DefaultThreshold when 0) and its lexicon
// extensions.
func FromFlow(cfg flows.NLUConfig) (*Analyzer, error) {
	opts := []Option{WithIntents(cfg.Intents), WithLexicon(cfg.Lexicon)}
	if cfg.Threshold > 0 {
		opts = append(opts, WithThreshold(cfg.Threshold))
	}
	return New(opts...)
}

// Intents returns the intents the classifier knows, in the order given.
func (a *Analyzer) Intents() []string {
	if a.model == nil {
		return nil
	}
	return append([]string(nil), a.model.classes...)
}

// scratch holds per-call buffers, reused through a pool.
type scratch struct {
	toks   []token
	hits   []hit
	hashes []uint64
	feats  []feat
	probs  []float64
	raw    string
	// sig holds the signal model's features; mtoks the tokens they are
	// computed from.
	sig   []uint64
	mtoks []token
	// itoks are the tokens of the intent features when a topic is
	// negated (its words prefixed "not_"); else toks itself.
	itoks []token
	// covered marks the tokens in a domain lexicon\'s phrase (inDomain).
	covered []bool
	// dom is the in-domain factor of the message (inDomain).
	dom float64
	// support is the prior's probability of its likeliest support intent
	// (any but other).
	support float64
	wh, fr  bool
	// pWH, pFR are the model's probabilities (0 without a model).
	pWH, pFR float64
	// frScore is the frustration reported: the model's probability, moved
	// by the rules where they are sure (1 or 0 without a model).
	frScore float64
	human   humanParts
	mood    moodParts
	sent    float64
	ents    map[string][]string
	topics  []uint64
}

// prepare runs the rules and extracts the classifier features of text.
func (a *Analyzer) prepare(s *scratch, text string) {
	if len(text) > maxInput {
		cut := maxInput
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	s.raw = text
	s.toks = tokenize(text, s.toks[:0])
	s.hits = a.lex.match(s.toks, s.hits[:0])
	s.human = a.wantsHuman(s.toks, s.hits)
	s.wh = s.human.yes
	s.mood = a.mood(text, s.toks, s.hits, s.wh)
	s.fr, s.sent = s.mood.frustrated, s.mood.sentiment
	s.frScore = 0
	if s.fr {
		s.frScore = 1
	}
	s.ents = extractEntities(text)
	// A topic cue counts once per word that starts one of its phrases, so
	// "discount code ... not applied" weighs more money than "checkout"
	// weighs tech (vectorize damps repeats with 1+log n).
	s.topics = s.topics[:0]
	itoks := s.toks
	for i, h := range s.hits {
		if h.lex != lexTopic {
			continue
		}
		if h.negated && h.topicHash != topicSpam {
			// "non voglio un rimborso, voglio sapere dov'è l'ordine": a
			// topic refused is not the topic; its words become other
			// features ("not_rimborso") and its cue is dropped.
			if len(itoks) > 0 && &itoks[0] == &s.toks[0] {
				s.itoks = append(s.itoks[:0], s.toks...)
				itoks = s.itoks
			}
			for j := h.start; j < h.end; j++ {
				if itoks[j].kind == tokWord {
					itoks[j].text = "not_" + s.toks[j].text
				}
			}
			continue
		}
		dup := false
		for _, g := range s.hits[:i] {
			if g.lex == lexTopic && g.topicHash == h.topicHash && (g.start == h.start || h.start < g.end) {
				dup = true
				break
			}
		}
		if !dup {
			s.topics = append(s.topics, h.topicHash)
		}
	}
	// A cancellation already done that is still charged for is a billing
	// matter: the cancel words only say what was charged.
	cc := chargedCancelled(s.toks)
	if cc {
		s.topics = slices.DeleteFunc(s.topics, func(h uint64) bool { return h == topicCancel })
	}
	question := false
	for i := range s.toks {
		if s.toks[i].kind == tokPunct && s.toks[i].text[0] == '?' {
			question = true
		}
	}
	// Thanks for something done ("la fattura è arrivata, grazie") is a
	// greeting in the dev set, not the topic it names: a cue the
	// classifiers weigh against the topic's (dropping the topic instead did
	// worse on holdout5's looked-at half).
	done := !question && !s.fr && thanksDone(a.lex, s.toks, s.topics)
	s.hashes = features(itoks, cues{
		wantsHuman:       s.wh,
		frustrated:       s.fr,
		order:            len(s.ents["order"]) > 0,
		chargedCancelled: cc,
		thanksDone:       done,
		question:         question,
		topics:           s.topics,
	}, s.hashes[:0])
	s.dom = a.inDomain(s)
	if a.signals != nil {
		s.sig = signalFeatures(s, s.sig[:0])
		a.decide(s)
	}
	s.support = 0
	if a.prior != nil {
		a.priorCues(s)
	}
}

// Analyze returns the signals of one message. It never fails on any text;
// the error is the context's, if it is already done.
func (a *Analyzer) Analyze(ctx context.Context, in flows.AnalyzeInput) (flows.Signals, error) {
	if err := ctx.Err(); err != nil {
		return flows.Signals{}, err
	}
	s := a.pool.Get().(*scratch)
	defer a.pool.Put(s)
	text := in.Text
	if !utf8.ValidString(text) {
		text = string([]rune(text)) // replaces invalid bytes with U+FFFD
	}
	a.prepare(s, text)
	sig := flows.Signals{
		Intent:      flows.UnknownIntent,
		WantsHuman:  s.wh,
		Frustrated:  s.fr,
		Frustration: s.frScore,
		Sentiment:   s.sent,
		Language:    a.lang.detect(s.raw, s.toks, in.Lang),
		Entities:    s.ents,
		Source:      Source,
	}
	if a.model != nil {
		s.feats = a.model.vectorize(s.hashes, s.feats[:0])
		if cap(s.probs) < len(a.model.classes) {
			s.probs = make([]float64, len(a.model.classes))
		}
		sig.Ranking = a.model.predict(s.feats, s.probs[:len(a.model.classes)])
		if f := a.domain(s); f < 1 {
			for i := range sig.Ranking {
				sig.Ranking[i].Score *= f
			}
		}
		top := sig.Ranking[0]
		sig.Confidence = top.Score
		if top.Score >= a.threshold {
			sig.Intent = top.Intent
		}
	}
	return sig, nil
}

// domain is the factor the intent scores of the message in s are scaled
// by: the in-domain factor, unless the prior is sure the message is about
// a support topic. The prior has read thousands of support messages and
// tells "please cancel my click and collect reservation" from a keyboard
// mash even when the flow's examples know few of its words.
func (a *Analyzer) domain(s *scratch) float64 {
	if s.support >= priorInDomain {
		return max(s.dom, s.support)
	}
	return s.dom
}

// priorInDomain is the prior's probability of a support intent from which
// it vouches for the message: 0.5 to 0.7 did the same on the looked-at
// halves of holdout5 and holdout6 (cancellation and billing escalated more
// often), with no more out-of-domain messages given a confident intent.
const priorInDomain = 0.6

// chargeStems and cancelledWords make the charged_cancelled cue: a charge
// verb and a cancellation in the past tense in one message ("mi addebitate
// l'abbonamento che ho disdetto"). An order to cancel ("cancel it, you keep
// charging me") has no past participle and stays a cancellation.
var (
	chargeStems    = []string{"charg", "billed", "addebit", "cobr", "scalat"}
	cancelledWords = map[string]bool{
		"cancelled": true, "canceled": true, "annullato": true, "annullata": true,
		"disdetto": true, "cancellato": true, "cancellata": true, "cancele": true,
		"cancelado": true, "cancelada": true, "anulado": true, "anulada": true,
	}
)

var (
	topicCancel = cueHash("topic:cancel")
	topicThanks = cueHash("topic:thanks")
)

// doneWords say that something came or was done: with thanks, no
// negation, no contrast and no question, the message closes a matter.
var doneWords = set(
	"arrived", "received", "came", "got", "confirmed", "done", "delivered", "refunded", "working", "works",
	"arrivato", "arrivata", "arrivati", "arrivate", "ricevuto", "ricevuta", "ricevuti", "confermato", "confermata",
	"consegnato", "funziona", "rimborsato", "fatto",
	"llegó", "llego", "recibí", "recibi", "recibido", "recibida", "confirmado", "confirmada", "funciona", "entregado",
)

var contrastWords = set("but", "however", "though", "ma", "però", "pero", "sin", "embargo", "still", "ancora", "todavía", "todavia")

// thanksDone reports thanks for something done: a thanks topic, a done
// word, and neither a negation ("nothing" included) nor a contrast.
func thanksDone(lx *lexicon, toks []token, topics []uint64) bool {
	if !slices.Contains(topics, topicThanks) {
		return false
	}
	doneWord := false
	for i := range toks {
		t := toks[i].text
		if lx.negation[t] || contrastWords[t] || nothingWords[t] {
			return false // "nothing arrived, thanks" is no thanks for something done
		}
		doneWord = doneWord || doneWords[t]
	}
	return doneWord
}

func chargedCancelled(toks []token) bool {
	charge, cancelled := false, false
	for i := range toks {
		t := &toks[i]
		if !t.alpha() {
			continue
		}
		if cancelledWords[t.text] {
			cancelled = true
		}
		for _, p := range chargeStems {
			if strings.HasPrefix(t.text, p) {
				charge = true
			}
		}
	}
	return charge && cancelled
}
