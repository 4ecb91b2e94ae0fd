package dsl

import (
	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

var (
	surveyKeys   = []string{"kind", "name", "question", "save_as", "retry", "tries", "followup", "skip", "sample"}
	followUpKeys = []string{"question", "when", "save_as"}
)

// survey converts a survey step: its scale, question, where the score
// and comment go, and the skip path.
func (l *loader) survey(n *yaml.Node, state string) *flows.Survey {
	sv := &flows.Survey{Pos: l.pos(n), Name: state, Tries: 2, SampleRate: 1}
	ps, ok := l.fields(n, "a survey", surveyKeys)
	if !ok {
		return nil
	}
	if !hasKey(ps, "kind") {
		l.errorf(n, "a survey needs kind: csat (1-5), nps (0-10) or ces (1-7)")
	}
	if !hasKey(ps, "question") {
		l.errorf(n, "a survey needs question: what the customer is asked, per language")
	}
	for _, p := range ps {
		switch resolve(p.key).Value {
		case "kind":
			k, ok := l.name(p.val, "a survey kind")
			if ok {
				sv.Kind = flows.SurveyKind(k)
				if !sv.Kind.Valid() {
					l.errorf(p.val, "unknown survey kind %q: use csat (1-5), nps (0-10) or ces (1-7)%s", k, didYouMean(k, []string{"csat", "nps", "ces"}))
				}
			}
		case "name":
			if s, ok := l.name(p.val, "a survey name"); ok {
				sv.Name = s
			}
		case "question":
			sv.Question = l.text(p.val, "question")
		case "save_as":
			sv.SaveAs = l.capture(p.val, 0, "survey")
		case "retry":
			sv.Retry = l.text(p.val, "retry")
		case "tries":
			if v, ok := l.integer(p.val, "tries"); ok {
				if v < 1 || v > 10 {
					l.errorf(p.val, "tries must be between 1 and 10, not %d", v)
				} else {
					sv.Tries = v
				}
			}
		case "followup":
			l.followUp(p.val, sv)
		case "skip":
			sv.Skip = l.goTo(p.val, "skip")
		case "sample":
			l.sample(p.val, sv)
		}
	}
	return sv
}

func (l *loader) followUp(n *yaml.Node, sv *flows.Survey) {
	if rn := resolve(n); rn != nil && rn.Kind == yaml.ScalarNode {
		sv.FollowUp = l.text(n, "followup")
		return
	}
	ps, ok := l.fields(n, "a survey follow-up", followUpKeys)
	if !ok {
		return
	}
	if !hasKey(ps, "question") {
		l.errorf(n, "a follow-up needs question: the \"why?\" asked after the score")
	}
	for _, p := range ps {
		switch resolve(p.key).Value {
		case "question":
			sv.FollowUp = l.text(p.val, "question")
		case "when":
			sv.FollowUpWhen = l.expr(p.val, true, "when")
		case "save_as":
			sv.CommentAs = l.capture(p.val, "", "the survey's followup")
		}
	}
}

// sample reads the share of conversations surveyed: a number in [0, 1]
// or an expression (a variable the host or a test sets).
func (l *loader) sample(n *yaml.Node, sv *flows.Survey) {
	rn := resolve(n)
	if rn != nil && rn.Kind == yaml.ScalarNode && (rn.ShortTag() == "!!int" || rn.ShortTag() == "!!float") {
		if v, ok := l.number(n, "sample"); ok {
			if v < 0 || v > 1 {
				l.errorf(n, "sample is the share of conversations surveyed, between 0 and 1 (0.25 is one in four), not %v", v)
				return
			}
			sv.SampleRate = v
		}
		return
	}
	e := l.expr(n, false, "sample")
	sv.Sample = e
	if e == nil {
		return
	}
	// An expression known to give something else than a number would
	// survey everyone at run time, with an error per conversation. A text
	// is let through: the engine reads one that holds a number ("0.25",
	// from an API's answer, say).
	l.finals = append(l.finals, func() {
		if e.Program == nil {
			return // already reported
		}
		if k := kindOfType(e.Program.Node().Type()); k != "" && k != kindNumber && k != kindText {
			l.errAt(e.Pos, "sample: %s is %s, not a number; sample is the share of conversations surveyed, between 0 and 1 (0.25 is one in four)", e.Source, k)
		}
	})
}
