package promkpi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/batonbot/baton/analytics/promkpi"
	"github.com/batonbot/baton/flows"
)

func TestKPIMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, err := promkpi.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	score := func(v int) *int { return &v }
	evs := []flows.Event{
		{Type: flows.EvMessageIn, To: "bot"}, {Type: flows.EvMessageIn, To: "bot"}, {Type: flows.EvMessageIn, To: "bot"}, {Type: flows.EvMessageIn, To: "agent"},
		{Type: flows.EvNoMatch},
		{Type: flows.EvConversationEnded, Outcome: "contained"}, {Type: flows.EvConversationEnded, Outcome: "contained"},
		{Type: flows.EvConversationEnded, Outcome: "handed_off"}, {Type: flows.EvConversationEnded, Outcome: "abandoned"},
		{Type: flows.EvFirstAgentReply, Team: "billing", Priority: "high", WaitMS: 600_000, At: at, FirstResponseDue: at.Add(time.Hour)},
		{Type: flows.EvFirstAgentReply, Team: "billing", Priority: "high", WaitMS: 7_200_000, At: at, FirstResponseDue: at.Add(-time.Hour)},
		{Type: flows.EvTicketSolved, Team: "billing", Priority: "high", WaitMS: 3_600_000},
		{Type: flows.EvSLAAlert, Threshold: 80}, {Type: flows.EvSLAAlert, Threshold: 100},
		{Type: flows.EvSurveyAsked, Kind: "csat"}, {Type: flows.EvSurveyAsked, Kind: "csat"},
		{Type: flows.EvSurveyAnswered, Kind: "csat", Score: score(5)}, {Type: flows.EvSurveyAnswered, Kind: "csat", Score: score(2)},
		{Type: flows.EvSurveyAnswered, Kind: "nps", Score: score(10)}, {Type: flows.EvSurveyAnswered, Kind: "nps", Score: score(3)}, {Type: flows.EvSurveyAnswered, Kind: "nps", Score: score(9)},
	}
	if err := s.Write(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP baton_containment_ratio Conversations contained ÷ conversations ended, since the start.
# TYPE baton_containment_ratio gauge
baton_containment_ratio 0.5
# HELP baton_conversations_total Conversations ended, by outcome (contained, handed_off, abandoned, expired).
# TYPE baton_conversations_total counter
baton_conversations_total{outcome="abandoned"} 1
baton_conversations_total{outcome="contained"} 2
baton_conversations_total{outcome="handed_off"} 1
# HELP baton_csat_score CSAT since the start: the percentage of 4s and 5s.
# TYPE baton_csat_score gauge
baton_csat_score 50
# HELP baton_fallback_ratio No-match ÷ customer messages, since the start.
# TYPE baton_fallback_ratio gauge
baton_fallback_ratio 0.3333333333333333
# HELP baton_sla_alerts_total SLA alerts raised, by threshold (percent of the first-response target).
# TYPE baton_sla_alerts_total counter
baton_sla_alerts_total{threshold="100"} 1
baton_sla_alerts_total{threshold="80"} 1
# HELP baton_sla_breaches_total First agent replies later than their SLA due time.
# TYPE baton_sla_breaches_total counter
baton_sla_breaches_total{priority="high",team="billing"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "baton_containment_ratio", "baton_conversations_total", "baton_csat_score",
		"baton_fallback_ratio", "baton_sla_alerts_total", "baton_sla_breaches_total"); err != nil {
		t.Error(err)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		switch f.GetName() {
		case "baton_nps_score":
			if got := f.GetMetric()[0].GetGauge().GetValue(); got < 33.3 || got > 33.4 {
				t.Errorf("NPS %v, want 33.33 (2 promoters, 1 detractor of 3)", got)
			}
		case "baton_survey_score":
			if len(f.GetMetric()) != 2 {
				t.Errorf("%d survey score series, want csat and nps", len(f.GetMetric()))
			}
		case "baton_first_response_seconds":
			if h := f.GetMetric()[0].GetHistogram(); h.GetSampleCount() != 2 || h.GetSampleSum() != 7800 {
				t.Errorf("first response histogram: %d samples, sum %v", h.GetSampleCount(), h.GetSampleSum())
			}
		}
	}
	// Registering twice on one registry is an error, not a panic.
	if _, err := promkpi.New(reg); err == nil {
		t.Error("a second registration should fail")
	}
}
