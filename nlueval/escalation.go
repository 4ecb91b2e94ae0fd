package nlueval

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/nlu"
	"github.com/batonbot/baton/sandbox"
)

// Escalation measures a flow end to end: does each labelled message,
// sent after a greeting, hand the conversation off exactly when the
// customer needs a person?
type Escalation struct {
	Flow *flows.Flow
	// Need are the intent labels that need a person (billing disputes,
	// cancellations).
	Need []string
	// Now is when the conversations happen; zero means the first open half
	// hour of the flow's default calendar from Tuesday 2026-03-03 10:30.
	Now time.Time
	// Greeting is the first message of each conversation; empty means
	// ciao, hi or hola (and so on) by the message's language.
	Greeting string
}

// EscalationReport is the result of an Escalation run (`baton nlu eval
// FLOW --escalation`).
type EscalationReport struct {
	N int `json:"n"`
	// Accuracy is the share of messages handed off exactly when needed.
	Accuracy float64 `json:"accuracy"`
	// Needed messages need a person; Escalated were handed off.
	Needed    int     `json:"needed"`
	Escalated int     `json:"escalated"`
	Recall    float64 `json:"recall"`
	Precision float64 `json:"precision"`
	// ByReason is the recall per reason a person is needed: wants_human,
	// frustrated, and each intent of --escalate-intents when the message
	// carries neither signal.
	ByReason map[string]EscalationRecall `json:"by_reason"`
	// FalseAlarms are handoffs of messages that did not need one.
	FalseAlarms int    `json:"false_alarms"`
	Now         string `json:"now"`
	// Misses lists the wrong outcomes (text mode with --errors).
	Misses []EscalationMiss `json:"-"`
}

// EscalationRecall is the recall of one reason.
type EscalationRecall struct {
	N         int     `json:"n"`
	Escalated int     `json:"escalated"`
	Recall    float64 `json:"recall"`
}

// EscalationMiss is a message handed off when it should not have been, or
// the other way round.
type EscalationMiss struct {
	Text   string
	Want   bool
	Reason string // why a person was needed
	Got    string // the handoff's reason, or the state the flow stopped in
}

// greetings are the first messages by language.
var greetings = map[string]string{"it": "ciao", "en": "hi", "es": "hola", "pt": "olá", "fr": "bonjour", "de": "hallo"}

// Run sends each message through a fresh conversation on the sandbox,
// after the greeting, and reports whether it was handed off when needed.
// When ctx is done (an interrupt) it stops with ctx's error: a turn run
// without its analysis would count as a miss.
func (r Escalation) Run(ctx context.Context, data []nlu.Labeled) (*EscalationReport, error) {
	now := r.Now
	if now.IsZero() {
		now = openTime(r.Flow)
	}
	rep := &EscalationReport{N: len(data), ByReason: map[string]EscalationRecall{}, Now: now.Format(time.RFC3339)}
	a, err := sandbox.BuiltinAnalyzer(r.Flow)
	if err != nil {
		return nil, err
	}
	var analyzer flows.Analyzer
	if a != nil {
		analyzer = a
	}
	correct := 0
	for i, m := range data {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		lang := m.Lang
		if !slices.Contains(r.Flow.Languages, lang) {
			lang = r.Flow.DefaultLanguage()
		}
		sb, err := sandbox.New(sandbox.Config{
			Flow: r.Flow, Lang: lang, Channel: "whatsapp", Now: now, Fixed: true,
			Analyzer: analyzer, IDPrefix: fmt.Sprintf("eval-%d", i),
			Contact: flows.Contact{ID: fmt.Sprintf("eval-%d", i)},
		})
		if err != nil {
			return nil, err
		}
		hello := r.Greeting
		if hello == "" {
			hello = greetings[m.Lang]
			if hello == "" {
				hello = "hi"
			}
		}
		sb.User(ctx, hello)
		if sb.Session().Lifecycle != flows.LifecycleBot {
			return nil, fmt.Errorf("the greeting %q already leaves the bot (%s): pick another with --greeting", hello, sb.Session().Lifecycle)
		}
		res := sb.User(ctx, m.Text)
		if err := ctx.Err(); err != nil {
			// Interrupted: the turn ran without its analysis.
			return nil, err
		}
		got, how := false, ""
		for _, ev := range res.Events {
			if h, ok := ev.Effect.(flows.HandoffEffect); ok && h.Handoff != nil {
				got, how = true, "handoff: "+h.Reason
			}
		}
		if !got {
			how = "stayed in " + sb.Session().State
		}
		reason := ""
		switch {
		case m.WantsHuman:
			reason = "wants_human"
		case m.Frustrated:
			reason = "frustrated"
		case slices.Contains(r.Need, m.Intent):
			reason = m.Intent
		}
		want := reason != ""
		if want {
			rep.Needed++
			rr := rep.ByReason[reason]
			rr.N++
			if got {
				rr.Escalated++
			}
			rep.ByReason[reason] = rr
		}
		if got {
			rep.Escalated++
		}
		if got == want {
			correct++
		} else {
			if got {
				rep.FalseAlarms++
			}
			rep.Misses = append(rep.Misses, EscalationMiss{Text: m.Text, Want: want, Reason: reason, Got: how})
		}
	}
	for k, rr := range rep.ByReason {
		rr.Recall = ratio(rr.Escalated, rr.N)
		rep.ByReason[k] = rr
	}
	rep.Accuracy = ratio(correct, rep.N)
	tp := rep.Escalated - rep.FalseAlarms
	rep.Recall = ratio(tp, rep.Needed)
	rep.Precision = ratio(tp, rep.Escalated)
	return rep, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// openTime is when the evaluation's conversations happen: the first half
// hour the flow's default calendar is open from Tuesday 3 March 2026,
// 10:30 in its time zone (or UTC without a calendar), so escalations are
// live handoffs rather than after-hours notes.
func openTime(f *flows.Flow) time.Time {
	cal := f.Hours["default"]
	loc := time.UTC
	if cal != nil && cal.Location != nil {
		loc = cal.Location
	}
	t := time.Date(2026, 3, 3, 10, 30, 0, 0, loc)
	for range 14 * 48 {
		if cal == nil || cal.Open(t) {
			return t
		}
		t = t.Add(30 * time.Minute)
	}
	return t
}

// WriteEscalationReport writes r as text: the messages came from file test
// and went through flow file flow; withMistakes lists the wrong outcomes.
func WriteEscalationReport(w io.Writer, r *EscalationReport, test, flow string, withMistakes bool) {
	fmt.Fprintf(w, "%d messages from %s, each after a greeting through %s at %s\n\n", r.N, test, flow, r.Now)
	fmt.Fprintf(w, "escalated correctly  %.3f  (%d of %d)\n", r.Accuracy, r.N-len(r.Misses), r.N)
	fmt.Fprintf(w, "needing a person     %d, escalated %d: recall %.3f\n", r.Needed, r.Escalated-r.FalseAlarms, r.Recall)
	fmt.Fprintf(w, "escalations          %d, precision %.3f, false alarms %d of %d messages that did not need one\n", r.Escalated, r.Precision, r.FalseAlarms, r.N-r.Needed)
	fmt.Fprintln(w, "\nrecall by reason (a topic counts when the message carries neither signal)")
	for _, k := range slices.Sorted(maps.Keys(r.ByReason)) {
		rr := r.ByReason[k]
		fmt.Fprintf(w, "  %-14s %4d  escalated %4d  recall %.3f\n", k, rr.N, rr.Escalated, rr.Recall)
	}
	if withMistakes {
		fmt.Fprintln(w, "\nmistakes")
		if len(r.Misses) == 0 {
			fmt.Fprintln(w, "  none: every message went as labelled")
		}
		for _, m := range r.Misses {
			want := "no handoff"
			if m.Want {
				want = "handoff (" + m.Reason + ")"
			}
			fmt.Fprintf(w, "  want %-24s got %-34s %s\n", want, m.Got, oneLine(m.Text))
		}
	}
}
