package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/analytics/kpi"
	"github.com/batonbot/baton/analytics/report"
	"github.com/batonbot/baton/flows"
)

// The chart of containment and escalation over time takes, like the
// headline rates, the conversations counted: one still under way at the
// end of the data is not a conversation that was not contained.
func TestSeriesRatesLeaveOpenConversationsOut(t *testing.T) {
	t0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	c := kpi.New(kpi.Options{})
	for _, e := range []flows.Event{
		{V: 1, Type: flows.EvConversationStarted, At: t0, Conversation: "A", Flow: "f"},
		{V: 1, Type: flows.EvConversationEnded, At: t0.Add(time.Minute), Conversation: "A", Flow: "f", Outcome: flows.OutcomeContained},
		// B is still talking to the bot at the end of the data.
		{V: 1, Type: flows.EvConversationStarted, At: t0.Add(2 * time.Minute), Conversation: "B", Flow: "f"},
		{V: 1, Type: flows.EvMessageIn, At: t0.Add(2 * time.Minute), Conversation: "B", Flow: "f", To: "bot", Size: 2},
	} {
		c.Add(&e)
	}
	c.Close()
	r := c.Result()
	if r.ContainmentRate != 1 || r.Open != 1 {
		t.Fatalf("containment %v with %d open, want 1 with 1 open", r.ContainmentRate, r.Open)
	}
	var page bytes.Buffer
	if err := report.HTML(&page, r, report.HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	_, data, ok := strings.Cut(page.String(), "const D = ")
	data, _, ok2 := strings.Cut(data, ";\n")
	if !ok || !ok2 {
		t.Fatal("the page has no chart data")
	}
	var d struct{ Contained, Escalated []float64 }
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		t.Fatalf("chart data: %v: %s", err, data)
	}
	if len(d.Contained) != 1 || d.Contained[0] != 100 || d.Escalated[0] != 0 {
		t.Errorf("containment over time %v, escalation %v; want [100] and [0]", d.Contained, d.Escalated)
	}
}

// With several flows, the page's funnel table names each state with its
// flow, as the chart and the terminal table do: two flows' "welcome" are
// two different rows.
func TestHTMLFunnelTableNamesTheFlow(t *testing.T) {
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	c := kpi.New(kpi.Options{})
	for _, f := range []string{"shop", "booking"} {
		for _, e := range []flows.Event{
			{V: 1, Type: flows.EvConversationStarted, At: at, Conversation: f, Flow: f},
			{V: 1, Type: flows.EvStateEntered, At: at, Conversation: f, Flow: f, State: "welcome"},
			{V: 1, Type: flows.EvConversationEnded, At: at, Conversation: f, Flow: f, Outcome: flows.OutcomeContained},
		} {
			c.Add(&e)
		}
	}
	c.Close()
	var page bytes.Buffer
	if err := report.HTML(&page, c.Result(), report.HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"<tr><td>shop/welcome</td>", "<tr><td>booking/welcome</td>"} {
		if !strings.Contains(page.String(), row) {
			t.Errorf("the funnel table has no row %s", row)
		}
	}
}

// An hour with no conversation counted (only a survey answered then, of
// a conversation of the hour before; or only conversations still open)
// has no containment: the chart leaves a gap, it does not dip to 0%.
func TestSeriesRatesOfAnHourWithNoConversationAreGaps(t *testing.T) {
	t0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	five := 5
	c := kpi.New(kpi.Options{})
	for _, e := range []flows.Event{
		{V: 1, Type: flows.EvConversationStarted, At: t0, Conversation: "A", Flow: "f"},
		{V: 1, Type: flows.EvConversationEnded, At: t0.Add(time.Minute), Conversation: "A", Flow: "f", Outcome: flows.OutcomeContained},
		{V: 1, Type: flows.EvSurveyAnswered, At: t0.Add(65 * time.Minute), Conversation: "A", Flow: "f", Survey: "csat", Kind: "csat", Score: &five},
		{V: 1, Type: flows.EvConversationStarted, At: t0.Add(2 * time.Hour), Conversation: "B", Flow: "f"},
		{V: 1, Type: flows.EvConversationEnded, At: t0.Add(2 * time.Hour), Conversation: "B", Flow: "f", Outcome: flows.OutcomeContained},
	} {
		c.Add(&e)
	}
	c.Close()
	var page bytes.Buffer
	if err := report.HTML(&page, c.Result(), report.HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	_, data, _ := strings.Cut(page.String(), "const D = ")
	data, _, _ = strings.Cut(data, ";\n")
	var d struct{ Contained, Escalated []*float64 }
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		t.Fatalf("chart data: %v: %s", err, data)
	}
	if len(d.Contained) != 3 || d.Contained[0] == nil || *d.Contained[0] != 100 || d.Contained[1] != nil || d.Escalated[1] != nil || d.Contained[2] == nil {
		t.Errorf("containment over time %s; want 100, a gap (null), 100", data)
	}
}

// A team and priority nobody answered yet has no first-response time:
// its bars are missing from the chart, not drawn at 0 minutes.
func TestFRTChartOfATeamNobodyAnsweredHasNoBars(t *testing.T) {
	r := &kpi.Result{FirstResponse: kpi.SLA{ByTeam: []kpi.TeamSLA{
		{Team: "billing", Priority: "high", Breached: 1},
		{Team: "support", Priority: "normal", Summary: kpi.Summary{Count: 2, P50: 600, P90: 1200}},
	}}}
	var page bytes.Buffer
	if err := report.HTML(&page, r, report.HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	_, data, _ := strings.Cut(page.String(), "const D = ")
	data, _, _ = strings.Cut(data, ";\n")
	var d struct {
		P50 []*float64 `json:"frt_p50"`
		P90 []*float64 `json:"frt_p90"`
	}
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		t.Fatalf("chart data: %v: %s", err, data)
	}
	if len(d.P50) != 2 || d.P50[0] != nil || d.P90[0] != nil || d.P50[1] == nil || *d.P50[1] != 10 || *d.P90[1] != 20 {
		t.Errorf("first response p50 and p90 (minutes): %s; want null for billing high, 10 and 20 for support normal", data)
	}
}
