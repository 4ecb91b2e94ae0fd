package engine

import (
	"strconv"
	"strings"

	"github.com/batonbot/baton/flows"
)

// holds evaluates a rule's conditions: all that are present must hold. by
// and match say what matched, for TriggerFired.
func (t *turn) holds(r *flows.Rule) (by, match string, ok bool) {
	if r == nil {
		return "", "", false
	}
	if r.Unless != nil {
		// "non sono un agente immobiliare" is about the same job: an
		// unless phrase counts negated or not.
		u := *r.Unless
		u.Negatable = false
		if p, found := t.keywords(&u); found {
			t.failed(func() string { return "unless: " + strconv.Quote(strings.Join(p, " ")) + " is in the message" })
			return "", "", false
		}
	}
	if r.Keywords != nil {
		phrase, found := t.keywords(r.Keywords)
		if !found {
			t.failed(func() string { return "keywords: none of " + phrases(r.Keywords) + " is in the message" })
			return "", "", false
		}
		by, match = "keyword", strings.Join(phrase, " ")
	}
	if r.Pattern != nil {
		loc := r.Pattern.FindStringIndex(t.text)
		if loc == nil {
			t.failed(func() string { return "pattern: /" + r.Pattern.String() + "/ does not match" })
			return "", "", false
		}
		if by == "" {
			by, match = "pattern", t.text[loc[0]:loc[1]]
		}
	}
	if r.Intent != "" {
		if sig := t.signals(); sig.Intent != r.Intent {
			t.failed(func() string {
				return "intent: the message's is " + strconv.Quote(sig.Intent) + " (" + strconv.FormatFloat(sig.Confidence, 'f', 2, 64) + "), not " + strconv.Quote(r.Intent)
			})
			return "", "", false
		}
		if by == "" {
			by, match = "intent", r.Intent
		}
	}
	if r.When != nil {
		if !t.evalBool(r.When) {
			t.failed(func() string { return "when: " + r.When.Source + " is false" })
			return "", "", false
		}
		if by == "" {
			by = "when"
		}
	}
	return by, match, true
}

// signals analyses the user's message once per turn, and only when the
// flow reads signals and a message is there to analyse; other turns see
// the last message's signals (a turn resumed after an HTTP call, its
// message's: analysed now if it was not before the call). Without an
// analyser the intent is "unknown".
func (t *turn) signals() flows.Signals {
	if t.analysed {
		return t.sig
	}
	t.analysed = true
	t.sig = flows.Signals{Intent: flows.UnknownIntent}
	switch {
	case t.userMsg && (t.in.Kind == flows.InputMessage || t.unanalysed):
		if !t.f.NeedsSignals || t.e.analyzer == nil || strings.TrimSpace(t.text) == "" {
			break
		}
		t.analysedNow = true
		sig, err := t.e.analyzer.Analyze(t.ctx, flows.AnalyzeInput{Text: t.text, Lang: t.s.Lang, ConversationID: t.s.ID})
		if err != nil {
			t.errorf("the analyser failed (%v); this message is handled without NLU signals", err)
			break
		}
		if sig.Intent == "" {
			sig.Intent = flows.UnknownIntent
		}
		verdictScore(&sig)
		t.sig = sig
		t.s.Signals = sig.Clone()
		t.ownSignals = true
		if sig.Fallback != "" {
			t.emit(flows.NLUFallback{Reason: sig.Fallback, Source: sig.Source})
		}
	case t.noSignals: // resumed after an HTTP call: the message has none
	case t.s.Signals != nil:
		t.sig = *t.s.Signals
		verdictScore(&t.sig) // saved before the score existed
	}
	t.fillSignals()
	return t.sig
}

// verdictScore gives a frustrated verdict without a score (an analyser
// that only decides) the score 1, so that flows reading `frustration`
// see it.
func verdictScore(sig *flows.Signals) {
	if sig.Frustrated && sig.Frustration == 0 {
		sig.Frustration = 1
	}
}
