package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

func surveyFlow(tb testing.TB, rate float64) *flows.Flow {
	b := newFlow(tb, "ask", map[string]any{"score": 0, "why": ""})
	b.state("ask", &flows.State{
		Survey: &flows.Survey{Name: "csat", Kind: flows.SurveyCSAT, Question: b.text("Voto?", "Score?"), SaveAs: "score", Tries: 2,
			FollowUp: b.text("Perché?", "Why?"), FollowUpWhen: b.expr("score <= 3"), CommentAs: "why", Skip: "skipped", SampleRate: rate},
		Next: goTo("bye"),
	})
	b.state("bye", &flows.State{Actions: []flows.Action{b.say("Ciao {{ score }}")}, End: true})
	b.state("skipped", &flows.State{Actions: []flows.Action{b.say("Pazienza")}, End: true})
	for _, st := range b.f.States {
		if st.Survey != nil {
			st.NoTriggers = true
		}
	}
	return b.f
}

func surveyTurn(t *testing.T, e *Engine, s *flows.Session, text string) (*flows.Session, []flows.Effect) {
	t.Helper()
	ns, effs, err := e.Turn(context.Background(), s, flows.Input{Kind: flows.InputMessage, Text: text, At: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return ns, effs
}

func effectTypes(effs []flows.Effect) []string {
	var out []string
	for _, e := range effs {
		if _, ok := e.(flows.VarSet); ok {
			continue
		}
		out = append(out, e.Type())
	}
	return out
}

func TestSurveyScoreFollowUpAndComment(t *testing.T) {
	e := New(surveyFlow(t, 1))
	s := e.NewSession("c1", flows.Contact{}, "web", "it")
	s, effs := surveyTurn(t, e, s, "ciao")
	if got := fmt.Sprint(effectTypes(effs)); got != "[state reply survey_asked]" {
		t.Fatalf("entry: %s", got)
	}
	s, effs = surveyTurn(t, e, s, "⭐⭐")
	if got := fmt.Sprint(effectTypes(effs)); got != "[survey_answered reply]" || !s.SurveyComment || s.Vars["score"] != 2 {
		t.Fatalf("score: %s %+v", got, s)
	}
	s, effs = surveyTurn(t, e, s, "troppo lenti")
	if got := fmt.Sprint(effectTypes(effs)); got != "[survey_comment state reply end lifecycle]" || s.Vars["why"] != "troppo lenti" || s.SurveyComment {
		t.Fatalf("comment: %s %+v", got, s)
	}
	if r, _ := effs[3].(flows.Reply); r.Text != "Ciao 2" {
		t.Errorf("goodbye %q", r.Text)
	}
}

func TestSurveyTriesThenSkip(t *testing.T) {
	e := New(surveyFlow(t, 1))
	s := e.NewSession("c1", flows.Contact{}, "web", "en")
	s, _ = surveyTurn(t, e, s, "hi")
	s, effs := surveyTurn(t, e, s, "what?")
	if got := fmt.Sprint(effectTypes(effs)); got != "[no_match reply]" || effs[1].(flows.Reply).Text != "Please answer with a number from 1 to 5." {
		t.Fatalf("first miss: %s %v", got, effs)
	}
	_, effs = surveyTurn(t, e, s, "9")
	if got := fmt.Sprint(effectTypes(effs)); got != "[no_match survey_skipped state reply end lifecycle]" {
		t.Fatalf("second miss: %s", got)
	}
}

func TestSurveySamplingIsDeterministic(t *testing.T) {
	e := New(surveyFlow(t, 0.3))
	asked := 0
	const n = 2000
	for i := range n {
		id := fmt.Sprintf("conv-%d", i)
		s := e.NewSession(id, flows.Contact{}, "web", "en")
		_, effs := surveyTurn(t, e, s, "hi")
		_, effs2 := surveyTurn(t, e, e.NewSession(id, flows.Contact{}, "web", "en"), "hi")
		a, a2 := fmt.Sprint(effectTypes(effs)), fmt.Sprint(effectTypes(effs2))
		if a != a2 {
			t.Fatalf("%s: %s then %s: the draw must be the same every run", id, a, a2)
		}
		if a == "[state reply survey_asked]" {
			asked++
		}
	}
	if share := float64(asked) / n; share < 0.26 || share > 0.34 {
		t.Errorf("asked %.3f of conversations, want about 0.3", share)
	}
}

// The `sla` builtin tells the expected wait for the handoff under way's
// team and priority, from the host.
func TestSLABuiltinInTheTransferMessage(t *testing.T) {
	b := newFlow(t, "transfer", nil)
	b.state("transfer", &flows.State{Actions: []flows.Action{&flows.HandoffAction{
		Say:      b.text(`Il team {{ sla.team }} risponde {{ sla.first_response != "" ? "entro " + sla.first_response : "a breve" }} ({{ sla.queue }} in coda)`),
		Team:     b.tpl("billing"),
		Priority: b.tpl("high"),
	}}})
	var asked []string
	info := func(team string, p flows.Priority, lang string, _ time.Time, _ *flows.Session) map[string]any {
		asked = append(asked, team+"/"+string(p)+"/"+lang)
		return map[string]any{"first_response": "20 minuti", "first_response_minutes": 20, "queue": 3, "team": team}
	}
	for _, tc := range []struct {
		opts []Option
		want string
	}{
		{[]Option{WithSLAInfo(info)}, "Il team billing risponde entro 20 minuti (3 in coda)"},
		{nil, "Il team billing risponde a breve (0 in coda)"},
	} {
		e := New(b.f, tc.opts...)
		_, effs := surveyTurn(t, e, e.NewSession("c1", flows.Contact{}, "web", "it"), "ciao")
		var got string
		for _, ef := range effs {
			if r, ok := ef.(flows.Reply); ok {
				got = r.Text
			}
		}
		if got != tc.want {
			t.Errorf("reply %q, want %q", got, tc.want)
		}
	}
	if len(asked) != 1 || asked[0] != "billing/high/it" {
		t.Errorf("the host was asked for %v", asked)
	}
}

// TestSurveySampleNotANumberHasAPosition: a sample: expression that gives
// no number is an error event at the expression, so baton test shows
// where it is.
func TestSurveySampleNotANumberHasAPosition(t *testing.T) {
	f := surveyFlow(t, 0)
	x := newFlow(t, "ask", f.Vars).expr(`"many"`)
	f.States["ask"].Survey.Sample = x
	c := newConv(t, f)
	effs := c.user("ciao")
	if e, ok := find[flows.ErrorEffect](effs); !ok || !strings.Contains(e.Message, "is not a number") || e.Pos != x.Pos {
		t.Errorf("error %+v, want one at %v", e, x.Pos)
	}
}
