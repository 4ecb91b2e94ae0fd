package report_test

import (
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/analytics/kpi"
	"github.com/batonbot/baton/analytics/report"
)

// The terminal report's header names the period and every filter the
// KPIs were computed with: a report of one flow or one team must not read
// as the whole.
func TestTextHeaderNamesTheFilters(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		o    kpi.Options
		want []string // lines the report begins with (after "Baton report")
	}{
		{kpi.Options{}, []string{"all events  0 events"}},
		{kpi.Options{From: from, Flow: "shop-support"}, []string{"from 2026-03-01T00:00:00Z, flow shop-support  0 events"}},
		{kpi.Options{Channel: "whatsapp", Lang: "it"}, []string{"all events, channel whatsapp, language it  0 events"}},
		{kpi.Options{Team: "billing"}, []string{"all events, team billing  0 events",
			"(--team billing: escalations, first response, resolution, SLA and surveys are billing's handoffs; conversations, containment, fallback, FCR, the funnel and volume are every team's)"}},
	} {
		var b strings.Builder
		if err := report.Text(&b, kpi.New(tc.o).Result()); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(b.String(), "\n")
		got := []string{strings.TrimPrefix(lines[0], "Baton report  ")}
		if len(tc.want) > 1 {
			got = append(got, lines[1])
		}
		for i := range tc.want {
			if got[i] != tc.want[i] {
				t.Errorf("%+v: line %d %q, want %q", tc.o, i+1, got[i], tc.want[i])
			}
		}
	}
}

// Events read twice (a webhook batch stored twice) are counted once, and
// the report says how many it set aside, as it does unknown types.
func TestTextSaysRepeatedEventsCountedOnce(t *testing.T) {
	for _, tc := range []struct {
		repeated int
		want     string
	}{
		{0, ""},
		{3, "(3 events read again (the same id and time), counted once)"},
	} {
		var b strings.Builder
		if err := report.Text(&b, &kpi.Result{Repeated: tc.repeated}); err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.Contains(l, "read again") {
				got = l
			}
		}
		if got != tc.want {
			t.Errorf("%d repeated: line %q, want %q", tc.repeated, got, tc.want)
		}
	}
}

// A rate over nothing is no figure: in the morning, with every
// conversation of the day still under way, the report must not say the
// bot contained 0% (nor escalated 0%, nor understood every message),
// in the terminal or on the page; it says "-", as for a CSAT without
// answers.
func TestRatesOverNothingAreDashes(t *testing.T) {
	none := &kpi.Result{Open: 3, Outcomes: map[string]int{}}
	counted := &kpi.Result{Conversations: 4, Outcomes: map[string]int{"contained": 0, "handed_off": 4},
		EscalationRate: 1, Escalations: 4, MessagesIn: 10, Turns: kpi.Turns{Average: 2.5}}
	for _, tc := range []struct {
		name string
		r    *kpi.Result
		want map[string]string // a line's label → its figure
	}{
		{"none counted", none, map[string]string{"containment rate": "-", "escalation rate": "-", "fallback rate": "-", "turns": "-"}},
		{"counted", counted, map[string]string{"containment rate": "0.0%", "escalation rate": "100.0%", "fallback rate": "0.0%", "turns": "2.5"}},
	} {
		var b strings.Builder
		if err := report.Text(&b, tc.r); err != nil {
			t.Fatal(err)
		}
		for label, want := range tc.want {
			got := "(no line)"
			for _, l := range strings.Split(b.String(), "\n") {
				if rest, ok := strings.CutPrefix(l, label+" "); ok {
					got = strings.Fields(rest)[0]
				}
			}
			if got != want {
				t.Errorf("%s: %s %q, want %q", tc.name, label, got, want)
			}
		}
		b.Reset()
		if err := report.HTML(&b, tc.r, report.HTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		for label, card := range map[string]string{"containment rate": "Containment", "escalation rate": "Escalation", "fallback rate": "Fallback"} {
			want := tc.want[label]
			if !strings.Contains(b.String(), `<div class="label">`+card+`</div><div class="value">`+want+`</div>`) {
				t.Errorf("%s: the page's %s card does not read %q", tc.name, card, want)
			}
		}
	}
}

// The escalation rate's line says what it is a share of: the counted
// conversations with a handoff, beside the handoffs in all (several in
// one conversation, and those of conversations still open). "25.0% (12
// handoffs)" of 16 conversations read as 12 of 16.
func TestEscalationLineSaysItsParts(t *testing.T) {
	r := &kpi.Result{Conversations: 16, Open: 1, Outcomes: map[string]int{"handed_off": 4},
		EscalationRate: 0.25, Escalated: 4, Escalations: 6}
	var b strings.Builder
	if err := report.Text(&b, r); err != nil {
		t.Fatal(err)
	}
	want := "(4 of 16 conversations; 6 handoffs in all, open conversations' included)"
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, "escalation rate ") {
			if !strings.Contains(l, "25.0%") || !strings.HasSuffix(l, want) {
				t.Errorf("the escalation line reads %q, want 25.0%% and %q", l, want)
			}
			return
		}
	}
	t.Errorf("no escalation line in:\n%s", b.String())
}
