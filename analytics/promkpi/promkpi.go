// Package promkpi exposes the support KPIs as Prometheus metrics, fed by
// the analytics events as they happen (it is a flows.EventSink; give it
// to the Recorder next to the file or stream sink):
//
//	baton_conversations_total{outcome}                 conversations ended: contained, handed_off, abandoned, expired
//	baton_containment_ratio                            contained ÷ ended, since the start
//	baton_escalation_ratio                             handed off ÷ ended, since the start
//	baton_customer_messages_total                      customer messages to the bot
//	baton_no_match_total                               messages the bot did not understand
//	baton_fallback_ratio                               no-match ÷ customer messages
//	baton_first_response_seconds{team,priority}        handoff to first agent reply (histogram)
//	baton_resolution_seconds{team,priority}            handoff to ticket solved or closed (histogram)
//	baton_sla_breaches_total{team,priority}            first replies after their due time
//	baton_sla_alerts_total{threshold}                  SLA alerts raised, by percent of the target
//	baton_survey_asked_total{kind}                     survey questions asked: csat, nps, ces
//	baton_survey_score{kind}                           survey answers (histogram, one bucket per score)
//	baton_csat_score, baton_nps_score, baton_ces_score the scores since the start
//
// Escalations by reason and team are the host's baton_handoffs_total.
// Ratios over a window are better computed in PromQL from the counters
// (examples/grafana-dashboard.json does).
package promkpi

import (
	"context"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/batonbot/baton/flows"
)

// Sink turns events into metrics.
type Sink struct {
	conversations *prometheus.CounterVec
	messages      prometheus.Counter
	noMatch       prometheus.Counter
	frt           *prometheus.HistogramVec
	resolution    *prometheus.HistogramVec
	breaches      *prometheus.CounterVec
	alerts        *prometheus.CounterVec
	asked         *prometheus.CounterVec
	scores        *prometheus.HistogramVec

	mu                          sync.Mutex
	ended, contained, handedOff float64
	in, misses                  float64
	csatN, csatTop              float64
	npsN, promoters, detractors float64
	cesN, cesSum                float64
}

var _ flows.EventSink = (*Sink)(nil)

// waitBuckets are first-response and resolution buckets, 30 s to 3 days.
var waitBuckets = []float64{30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 259200}

// New registers the KPI metrics on reg.
func New(reg prometheus.Registerer) (*Sink, error) {
	s := &Sink{
		conversations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_conversations_total", Help: "Conversations ended, by outcome (contained, handed_off, abandoned, expired)."}, []string{"outcome"}),
		messages:      prometheus.NewCounter(prometheus.CounterOpts{Name: "baton_customer_messages_total", Help: "Customer messages to the bot."}),
		noMatch:       prometheus.NewCounter(prometheus.CounterOpts{Name: "baton_no_match_total", Help: "Customer messages the bot did not understand."}),
		frt: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "baton_first_response_seconds", Help: "Time from a handoff to the first agent reply.",
			Buckets: waitBuckets}, []string{"team", "priority"}),
		resolution: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "baton_resolution_seconds", Help: "Time from a handoff to its ticket solved or closed.",
			Buckets: waitBuckets}, []string{"team", "priority"}),
		breaches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_sla_breaches_total", Help: "First agent replies later than their SLA due time."}, []string{"team", "priority"}),
		alerts:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_sla_alerts_total", Help: "SLA alerts raised, by threshold (percent of the first-response target)."}, []string{"threshold"}),
		asked:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_survey_asked_total", Help: "Survey questions asked, by kind (csat, nps, ces)."}, []string{"kind"}),
		scores: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "baton_survey_score", Help: "Survey answers, by kind: csat 1-5, nps 0-10, ces 1-7.",
			Buckets: []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}, []string{"kind"}),
	}
	ratio := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
			s.mu.Lock()
			defer s.mu.Unlock()
			return f()
		})
	}
	div := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	cs := []prometheus.Collector{s.conversations, s.messages, s.noMatch, s.frt, s.resolution, s.breaches, s.alerts, s.asked, s.scores,
		ratio("baton_containment_ratio", "Conversations contained ÷ conversations ended, since the start.", func() float64 { return div(s.contained, s.ended) }),
		ratio("baton_escalation_ratio", "Conversations handed off ÷ conversations ended, since the start.", func() float64 { return div(s.handedOff, s.ended) }),
		ratio("baton_fallback_ratio", "No-match ÷ customer messages, since the start.", func() float64 { return div(s.misses, s.in) }),
		ratio("baton_csat_score", "CSAT since the start: the percentage of 4s and 5s.", func() float64 { return 100 * div(s.csatTop, s.csatN) }),
		ratio("baton_nps_score", "NPS since the start: promoters minus detractors, in percent.", func() float64 { return 100 * div(s.promoters-s.detractors, s.npsN) }),
		ratio("baton_ces_score", "CES since the start: the mean score (1-7).", func() float64 { return div(s.cesSum, s.cesN) }),
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Write counts the events.
func (s *Sink) Write(_ context.Context, events ...flows.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range events {
		s.add(&events[i])
	}
	return nil
}

func (s *Sink) add(ev *flows.Event) {
	switch ev.Type {
	case flows.EvConversationEnded:
		s.conversations.WithLabelValues(ev.Outcome).Inc()
		s.ended++
		switch ev.Outcome {
		case flows.OutcomeContained:
			s.contained++
		case flows.OutcomeHandedOff:
			s.handedOff++
		}
	case flows.EvMessageIn:
		if ev.To != "agent" {
			s.messages.Inc()
			s.in++
		}
	case flows.EvNoMatch:
		s.noMatch.Inc()
		s.misses++
	case flows.EvFirstAgentReply:
		s.frt.WithLabelValues(ev.Team, ev.Priority).Observe(float64(ev.WaitMS) / 1000)
		if !ev.FirstResponseDue.IsZero() && ev.At.After(ev.FirstResponseDue) {
			s.breaches.WithLabelValues(ev.Team, ev.Priority).Inc()
		}
	case flows.EvTicketSolved, flows.EvTicketClosed:
		s.resolution.WithLabelValues(ev.Team, ev.Priority).Observe(float64(ev.WaitMS) / 1000)
	case flows.EvSLAAlert:
		s.alerts.WithLabelValues(itoa(ev.Threshold)).Inc()
	case flows.EvSurveyAsked:
		s.asked.WithLabelValues(ev.Kind).Inc()
	case flows.EvSurveyAnswered:
		if ev.Score == nil {
			return
		}
		v := float64(*ev.Score)
		s.scores.WithLabelValues(ev.Kind).Observe(v)
		switch ev.Kind {
		case "csat":
			s.csatN++
			if v >= 4 {
				s.csatTop++
			}
		case "nps":
			s.npsN++
			if v >= 9 {
				s.promoters++
			} else if v <= 6 {
				s.detractors++
			}
		case "ces":
			s.cesN++
			s.cesSum += v
		}
	}
}

// Close does nothing: the metrics stay registered.
func (s *Sink) Close() error { return nil }

func itoa(i int) string { return strconv.Itoa(i) }
