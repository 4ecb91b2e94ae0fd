package engine

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/batonbot/baton/flows"
)

// askSurvey runs when a survey state's actions are done: it asks the
// question (or, when sampling leaves the conversation out, moves on
// without asking) and waits for the score.
func (t *turn) askSurvey(st *flows.State) string {
	sv := st.Survey
	t.s.SurveyComment = false
	if !t.sampled(sv) {
		if sv.Skip != "" {
			return sv.Skip
		}
		return t.next(st)
	}
	if sv.Question != nil {
		t.reply(t.renderText(sv.Question))
	}
	t.emit(flows.SurveyAsked{Survey: sv.Name, Kind: string(sv.Kind)})
	return ""
}

// sampled draws whether this conversation is surveyed: a hash of the
// conversation (its id and start) and the survey, below the rate. The
// same conversation gets the same answer on every run.
func (t *turn) sampled(sv *flows.Survey) bool {
	rate := sv.SampleRate
	if sv.Sample != nil {
		v, ok := t.eval(sv.Sample)
		f, isNum := toFloat(v)
		if !ok || !isNum {
			t.emit(flows.ErrorEffect{Message: fmt.Sprintf("survey %q: sample %q is not a number; surveying everyone", sv.Name, sv.Sample.Source), State: t.s.State, Pos: sv.Sample.Pos})
			return true
		}
		rate = f
	}
	if rate >= 1 {
		return true
	}
	if rate <= 0 {
		return false
	}
	h := fnv.New64a()
	h.Write([]byte(t.s.ID))
	h.Write(binary.LittleEndian.AppendUint64(nil, uint64(t.s.CreatedAt.UnixNano())))
	h.Write([]byte(sv.Name))
	return float64(h.Sum64()>>11)/(1<<53) < rate
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// surveyAnswer takes a message in a survey state: the score, the
// follow-up comment, a decline, or something else (a no-match; after the
// survey's tries, a skip).
func (t *turn) surveyAnswer(st *flows.State) {
	sv, s := st.Survey, t.s
	t.trigger = "survey"
	if s.SurveyComment {
		s.SurveyComment = false
		t.matched()
		if text := strings.TrimSpace(t.text); text != "" && !isSkip(text) {
			t.emit(flows.SurveyComment{Survey: sv.Name, Kind: string(sv.Kind), Text: text})
			if sv.CommentAs != "" {
				t.setVar(sv.CommentAs, text)
			}
		}
		t.goTo(t.next(st))
		return
	}
	if score, ok := surveyScore(t.text, sv.Kind); ok {
		t.matched()
		t.emit(flows.SurveyAnswered{Survey: sv.Name, Kind: string(sv.Kind), Score: score})
		t.answer = strconv.Itoa(score)
		if sv.SaveAs != "" {
			t.setVar(sv.SaveAs, score)
		}
		if sv.FollowUp != nil && (sv.FollowUpWhen == nil || t.evalBool(sv.FollowUpWhen)) {
			s.SurveyComment = true
			t.reply(t.renderText(sv.FollowUp))
			return
		}
		t.goTo(t.next(st))
		return
	}
	if isSkip(t.text) {
		t.skipSurvey(st)
		return
	}
	s.NoMatch++
	t.noMatchSeen = max(t.noMatchSeen, s.NoMatch)
	t.emit(flows.NoMatch{State: st.Name, Count: s.NoMatch, Text: t.text})
	if s.NoMatch >= max(sv.Tries, 1) {
		t.skipSurvey(st)
		return
	}
	if sv.Retry != nil {
		t.reply(t.renderText(sv.Retry))
		return
	}
	t.reply(retryText(s.Lang, sv.Kind))
}

// skipSurvey leaves a survey the customer declined or did not answer.
func (t *turn) skipSurvey(st *flows.State) {
	sv := st.Survey
	t.matched()
	t.emit(flows.SurveySkipped{Survey: sv.Name, Kind: string(sv.Kind)})
	t.trigger = "survey_skipped"
	if sv.Skip != "" {
		t.goTo(sv.Skip)
		return
	}
	t.goTo(t.next(st))
}

// retryText is the built-in reminder after an answer that is not a score.
func retryText(lang string, k flows.SurveyKind) string {
	lo, hi := k.Range()
	base, _, _ := strings.Cut(lang, "-")
	switch base {
	case "it":
		return fmt.Sprintf("Rispondi con un numero da %d a %d, per favore.", lo, hi)
	case "es":
		return fmt.Sprintf("Responde con un número del %d al %d, por favor.", lo, hi)
	}
	return fmt.Sprintf("Please answer with a number from %d to %d.", lo, hi)
}
