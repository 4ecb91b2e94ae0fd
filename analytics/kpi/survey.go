package kpi

import "github.com/batonbot/baton/flows"

// survey sums one kind of survey (CSAT, NPS...) up.
type survey struct {
	asked, skipped int
	// answeredAsked are the questions asked in the period that got an
	// answer (whenever it came): the response rate's numerator.
	answeredAsked int
	scores        [11]int
	comments      int
}

// surveyEvent counts a survey event of team's (asked, answered, skipped,
// a comment), for the period its question was asked in.
func (c *Computer) surveyEvent(ev *flows.Event, team string) {
	if ev.Survey == "" && ev.Kind == "" {
		return
	}
	if c.o.Team != "" && team != c.o.Team {
		return
	}
	kind := ev.Kind
	ask := surveyAsk{ev.Conversation, kind}
	valid := ev.Type != flows.EvSurveyAnswered || validScore(kind, ev.Score)
	switch {
	case ev.Type == flows.EvSurveyAsked:
		c.asks[ask] = ev.At
	case ev.Type == flows.EvSurveySkipped || ev.Type == flows.EvSurveyAnswered && valid:
		// The question is settled: an answer counts for the response
		// rate of the period it was asked in, when it was.
		if at, ok := c.asks[ask]; ok {
			delete(c.asks, ask)
			if ev.Type == flows.EvSurveyAnswered && c.inPeriod(at) {
				c.survey(kind).answeredAsked++
			}
		}
	}
	if !c.inPeriod(ev.At) {
		return
	}
	s := c.survey(kind)
	switch ev.Type {
	case flows.EvSurveyAsked:
		s.asked++
	case flows.EvSurveySkipped:
		s.skipped++
	case flows.EvSurveyComment:
		s.comments++
	case flows.EvSurveyAnswered:
		if !valid {
			return
		}
		score := *ev.Score
		s.scores[score]++
		b := c.bucket(ev.At)
		switch kind {
		case "csat":
			b.csatResponses++
			if score >= 4 {
				b.csatSatisfied++
			}
		case "nps":
			b.npsResponses++
			if score >= 9 {
				b.promoters++
			} else if score <= 6 {
				b.detractors++
			}
		}
	}
}

// validScore reports whether score is an answer on kind's scale (0-10
// for a kind this version does not know): off it, it is no answer, here
// as in the headline.
func validScore(kind string, score *int) bool {
	if score == nil || *score < 0 || *score > 10 {
		return false
	}
	if k := flows.SurveyKind(kind); k.Valid() {
		if lo, hi := k.Range(); *score < lo || *score > hi {
			return false
		}
	}
	return true
}

func (c *Computer) survey(kind string) *survey {
	s := c.surveys[kind]
	if s == nil {
		s = &survey{}
		c.surveys[kind] = s
	}
	return s
}
