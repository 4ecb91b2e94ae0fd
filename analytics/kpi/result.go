package kpi

import (
	"encoding/json"
	"maps"
	"math"
	"sort"
	"time"

	"github.com/batonbot/baton/flows"
)

// Result is the KPIs of the events added so far. Rates are fractions in
// [0, 1]; CSAT is a percentage, NPS a score in [-100, 100], CES a mean
// on its 1-7 scale. docs/analytics.md defines each.
type Result struct {
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
	// Filters are the conversations kept (Options' Flow, Channel, Lang
	// and Team); absent when none was given.
	Filters *Filters `json:"filters,omitempty"`
	Events  int64    `json:"events"`
	// UnknownTypes counts the events skipped because this version does
	// not know their type (a newer version wrote them), by type.
	UnknownTypes map[string]int `json:"unknown_types,omitempty"`
	// FutureEvents counts the events left out because they are dated
	// after the time they were read (Options.Now); baton report warns of
	// each instead.
	FutureEvents int `json:"-"`
	// Repeated counts the events read again (the same id and time: a
	// webhook batch sent again and stored twice), counted once.
	Repeated      int `json:"repeated,omitempty"`
	Conversations int `json:"conversations"`
	// Open are conversations started in the period and still going on at
	// the end of the data; the rates leave them out.
	Open     int            `json:"open"`
	Outcomes map[string]int `json:"outcomes"`

	ContainmentRate float64 `json:"containment_rate"`
	EscalationRate  float64 `json:"escalation_rate"`
	// Escalated are the counted conversations with at least one handoff:
	// EscalationRate is Escalated ÷ Conversations. Escalations counts
	// every handoff requested, several in one conversation and those of
	// conversations still open included.
	Escalated           int            `json:"escalated"`
	Escalations         int            `json:"escalations"`
	EscalationsByReason map[string]int `json:"escalations_by_reason"`
	FallbackRate        float64        `json:"fallback_rate"`
	MessagesIn          int            `json:"messages_in"`
	NoMatches           int            `json:"no_matches"`

	Funnel []FunnelState `json:"funnel"`

	Turns         Turns   `json:"turns"`
	TimeToHandoff Summary `json:"time_to_handoff"`
	BotResponse   Summary `json:"bot_response"`

	Handoffs      Handoffs `json:"handoffs"`
	FirstResponse SLA      `json:"first_response"`
	Resolution    SLA      `json:"resolution"`

	FCR  FCR    `json:"fcr"`
	CSAT Survey `json:"csat"`
	NPS  Survey `json:"nps"`
	CES  Survey `json:"ces"`

	// VolumeByHour counts conversations started in each hour of the day
	// (0-23); VolumeByWeekday in each day, Monday first.
	VolumeByHour    [24]int `json:"volume_by_hour"`
	VolumeByWeekday [7]int  `json:"volume_by_weekday"`
	// Series is the period in buckets (hours, or days when it spans more
	// than three days), for the charts over time.
	Series []Bucket `json:"series"`
}

// Filters name what a filtered report keeps; empty: all.
type Filters struct {
	Flow    string `json:"flow,omitempty"`
	Channel string `json:"channel,omitempty"`
	Lang    string `json:"lang,omitempty"`
	// Team keeps the handoffs of one team (Options.Team says which
	// figures it splits).
	Team string `json:"team,omitempty"`
}

// FunnelState is one state's funnel line: how often it was entered, how
// often the conversation moved on from it, was handed off there, ended
// there (completed) or was dropped there (abandoned or expired).
type FunnelState struct {
	Flow      string  `json:"flow"`
	State     string  `json:"state"`
	Entered   int     `json:"entered"`
	Left      int     `json:"left"`
	HandedOff int     `json:"handed_off"`
	Ended     int     `json:"ended"`
	Dropped   int     `json:"dropped"`
	DropRate  float64 `json:"drop_rate"`
}

// Turns are customer messages per conversation.
type Turns struct {
	Average float64 `json:"average"`
	// BeforeHandoff is the average number of customer messages before the
	// first handoff, over escalated conversations.
	BeforeHandoff float64 `json:"before_handoff"`
}

// Summary is a distribution: durations in seconds (bot_response in
// milliseconds).
type Summary struct {
	Count   int     `json:"count"`
	Average float64 `json:"average"`
	P50     float64 `json:"p50"`
	P90     float64 `json:"p90"`
	Max     float64 `json:"max"`
}

// Handoffs counts the handoffs and their deliveries, and the SLA.
type Handoffs struct {
	Requested int `json:"requested"`
	// Delivered counts the tickets the helpdesk accepted; Failed the
	// handoffs whose ticket could not be opened (dead letters), each
	// once, and not those retried since and delivered.
	Delivered int `json:"delivered"`
	Failed    int `json:"failed"`
	// SLABreaches are first responses later than due, and handoffs still
	// unanswered past their due time when their conversation was counted
	// or at the end of the data.
	SLABreaches int `json:"sla_breaches"`
	// Alerts counts the SLA alerts raised, by threshold (percent).
	Alerts map[int]int `json:"sla_alerts,omitempty"`
}

// SLA is a wait (first response or resolution) in seconds overall and per
// team and priority, with the share within the SLA.
type SLA struct {
	Summary
	// WithinSLA is the share of waits with a due time that ended on time
	// (unanswered breaches count as late); null when none had one.
	WithinSLA *float64  `json:"within_sla"`
	Breached  int       `json:"breached"`
	ByTeam    []TeamSLA `json:"by_team"`
}

// TeamSLA is one team and priority's waits.
type TeamSLA struct {
	Team     string `json:"team"`
	Priority string `json:"priority"`
	Summary
	WithinSLA *float64 `json:"within_sla"`
	Breached  int      `json:"breached"`
}

// FCR is the first-contact-resolution proxy.
type FCR struct {
	// Rate is Resolved / (Resolved + Repeated); null before any settles.
	Rate     *float64 `json:"rate"`
	Resolved int      `json:"resolved"`
	Repeated int      `json:"repeated"`
	// Pending are resolved conversations whose window has not closed
	// within the data.
	Pending int `json:"pending"`
}

// Survey is one survey kind's figures.
type Survey struct {
	// Score: CSAT the percentage of 4s and 5s; NPS promoters minus
	// detractors, in percent; CES the mean. Null without responses.
	Score     *float64 `json:"score"`
	Responses int      `json:"responses"`
	Asked     int      `json:"asked"`
	Skipped   int      `json:"skipped"`
	// ResponseRate is the share of the questions asked in the period
	// that got an answer (whenever it came); null when none was asked.
	ResponseRate *float64 `json:"response_rate"`
	Average      float64  `json:"average"`
	// Distribution counts the answers by score (index = score).
	Distribution []int `json:"distribution"`
	Comments     int   `json:"comments"`
	// Promoters, Passives and Detractors count the NPS's answers (9-10,
	// 7-8, 0-6): in its JSON whatever they are, 0 too; CSAT and CES
	// have none.
	Promoters  int `json:"promoters,omitempty"`
	Passives   int `json:"passives,omitempty"`
	Detractors int `json:"detractors,omitempty"`

	nps bool // the NPS's: its counts are written, 0 too
}

// MarshalJSON writes the NPS's promoters, passives and detractors even
// when 0 (a 0 is a figure), and no such counts for CSAT and CES.
func (s Survey) MarshalJSON() ([]byte, error) {
	type plain Survey // without this method
	if !s.nps {
		return json.Marshal(plain(s))
	}
	return json.Marshal(struct {
		plain
		Promoters  int `json:"promoters"`
		Passives   int `json:"passives"`
		Detractors int `json:"detractors"`
	}{plain(s), s.Promoters, s.Passives, s.Detractors})
}

// Bucket is one slice of the period.
type Bucket struct {
	Start         time.Time `json:"start"`
	Conversations int       `json:"conversations"`
	Counted       int       `json:"counted"` // of those, counted (not open): the whole of Contained and Escalated
	Contained     int       `json:"contained"`
	Escalated     int       `json:"escalated"`
	CSATResponses int       `json:"csat_responses"`
	CSATSatisfied int       `json:"csat_satisfied"`
	NPSResponses  int       `json:"nps_responses"`
	NPSPromoters  int       `json:"nps_promoters"`
	NPSDetractors int       `json:"nps_detractors"`
}

// Close counts the conversations left open at the end of the data that
// the definitions settle already (see Options.AbandonAfter and Expire)
// and the first-contact windows that closed, and counts the handoffs of
// those still open that wait past their first-response due time as
// breaches; call it once after the last Add.
func (c *Computer) Close() {
	c.sweep()
	for _, id := range c.byStart(func(*conv) bool { return true }) {
		cv := c.open[id]
		idle := c.horizon.Sub(cv.last)
		switch {
		case !cv.handoff && !cv.lastBot.IsZero() && !cv.lastUser.After(cv.lastBot) && c.horizon.Sub(cv.lastBot) >= c.o.AbandonAfter:
			c.finish(id, cv, flows.OutcomeAbandoned, c.horizon)
		case idle >= c.o.Expire:
			c.finish(id, cv, "", c.horizon)
		default:
			// Still open, its handoff waiting past its due time: a
			// breach whatever comes after the data (when it fell due in
			// the period, whenever the conversation started).
			if cv.pass {
				c.unansweredBreach(cv, c.horizon)
			}
		}
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func ptr(v float64) *float64 { return &v }

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func (d *dist) summary() Summary {
	return Summary{Count: d.n, Average: round(d.mean(), 3), P50: round(d.quantile(0.5), 3), P90: round(d.quantile(0.9), 3), Max: round(d.max, 3)}
}

// Result returns the KPIs so far.
func (c *Computer) Result() *Result {
	r := &Result{Events: c.events, Conversations: c.finished, Outcomes: map[string]int{}, EscalationsByReason: map[string]int{}}
	if len(c.unknown) > 0 {
		r.UnknownTypes = maps.Clone(c.unknown)
	}
	r.FutureEvents, r.Repeated = c.future, c.repeated
	if !c.o.From.IsZero() {
		r.From = &c.o.From
	}
	if !c.o.To.IsZero() {
		r.To = &c.o.To
	}
	if f := (Filters{Flow: c.o.Flow, Channel: c.o.Channel, Lang: c.o.Lang, Team: c.o.Team}); f != (Filters{}) {
		r.Filters = &f
	}
	for _, cv := range c.open {
		if cv.in {
			r.Open++
		}
	}
	for _, o := range []string{flows.OutcomeContained, flows.OutcomeHandedOff, flows.OutcomeAbandoned, flows.OutcomeExpired} {
		r.Outcomes[o] = c.outcomes[o]
	}
	r.ContainmentRate = round(ratio(c.outcomes[flows.OutcomeContained], c.finished), 4)
	r.EscalationRate = round(ratio(c.escalated, c.finished), 4)
	r.Escalated = c.escalated
	r.Escalations = c.requested
	for k, v := range c.byReason {
		r.EscalationsByReason[k] = v
	}
	r.MessagesIn, r.NoMatches = c.messagesIn, c.noMatches
	r.FallbackRate = round(ratio(c.noMatches, c.messagesIn), 4)
	r.Funnel = []FunnelState{}
	for _, k := range c.funnelOrder {
		s := c.funnel[k]
		r.Funnel = append(r.Funnel, FunnelState{Flow: k.flow, State: k.state, Entered: s.entered, Left: s.left, HandedOff: s.handedOff,
			Ended: s.ended, Dropped: s.dropped, DropRate: round(ratio(s.dropped, s.entered), 4)})
	}
	r.Turns = Turns{Average: round(c.turns.mean(), 3), BeforeHandoff: round(c.turnsHandoff.mean(), 3)}
	r.TimeToHandoff = c.timeToHandoff.summary()
	r.BotResponse = c.botResponse.summary()
	r.Handoffs = Handoffs{Requested: c.requested, Delivered: c.delivered, Failed: c.failed}
	if len(c.alerts) > 0 {
		r.Handoffs.Alerts = map[int]int{}
		for k, v := range c.alerts {
			r.Handoffs.Alerts[k] = v
		}
	}
	r.FirstResponse = slaResult(c.frt, &c.frtAll)
	r.Resolution = slaResult(c.resolution, &c.resAll)
	r.Handoffs.SLABreaches = r.FirstResponse.Breached
	r.FCR = FCR{Resolved: c.fcrFirst, Repeated: c.fcrRepeat, Pending: c.fcrPending}
	if n := c.fcrFirst + c.fcrRepeat; n > 0 {
		r.FCR.Rate = ptr(round(ratio(c.fcrFirst, n), 4))
	}
	r.CSAT = c.surveyResult("csat", 1, 5)
	r.NPS = c.surveyResult("nps", 0, 10)
	r.CES = c.surveyResult("ces", 1, 7)
	r.VolumeByHour, r.VolumeByWeekday = c.byHour, c.byWeekday
	r.Series = c.seriesResult()
	return r
}

func slaResult(m map[teamKey]*slaDist, all *slaDist) SLA {
	keys := make([]teamKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].team != keys[j].team {
			return keys[i].team < keys[j].team
		}
		return prioRank(keys[i].priority) < prioRank(keys[j].priority)
	})
	out := SLA{ByTeam: []TeamSLA{}}
	for _, k := range keys {
		s := m[k]
		t := TeamSLA{Team: k.team, Priority: k.priority, Summary: s.d.summary(), Breached: s.withDue - s.onTime + s.breachedOpen}
		if n := s.withDue + s.breachedOpen; n > 0 {
			t.WithinSLA = ptr(round(ratio(s.onTime, n), 4))
		}
		out.ByTeam = append(out.ByTeam, t)
	}
	out.Summary = all.d.summary()
	out.Breached = all.withDue - all.onTime + all.breachedOpen
	if n := all.withDue + all.breachedOpen; n > 0 {
		out.WithinSLA = ptr(round(ratio(all.onTime, n), 4))
	}
	return out
}

func prioRank(p string) int {
	switch flows.Priority(p) {
	case flows.PriorityUrgent:
		return 0
	case flows.PriorityHigh:
		return 1
	case flows.PriorityNormal:
		return 2
	case flows.PriorityLow:
		return 3
	}
	return 4
}

func (c *Computer) surveyResult(kind string, lo, hi int) Survey {
	s := c.surveys[kind]
	out := Survey{Distribution: make([]int, hi+1), nps: kind == "nps"}
	if s == nil {
		return out
	}
	sum := 0
	for v := lo; v <= hi; v++ {
		n := s.scores[v]
		out.Distribution[v] = n
		out.Responses += n
		sum += n * v
		switch {
		case kind == "nps" && v >= 9:
			out.Promoters += n
		case kind == "nps" && v >= 7:
			out.Passives += n
		case kind == "nps":
			out.Detractors += n
		}
	}
	out.Asked, out.Skipped, out.Comments = s.asked, s.skipped, s.comments
	if out.Asked > 0 {
		out.ResponseRate = ptr(round(ratio(s.answeredAsked, out.Asked), 4))
	}
	if out.Responses == 0 {
		return out
	}
	out.Average = round(float64(sum)/float64(out.Responses), 3)
	switch kind {
	case "csat":
		out.Score = ptr(round(100*ratio(s.scores[4]+s.scores[5], out.Responses), 2))
	case "nps":
		out.Score = ptr(round(100*ratio(out.Promoters, out.Responses)-100*ratio(out.Detractors, out.Responses), 2))
	default:
		out.Score = ptr(out.Average)
	}
	return out
}

// seriesResult lists the buckets in time order: hourly, or daily when the
// data spans more than three days.
func (c *Computer) seriesResult() []Bucket {
	keys := make([]int64, 0, len(c.series))
	for k := range c.series {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	daily := len(keys) > 1 && keys[len(keys)-1]-keys[0] > 3*24*3600
	out := []Bucket{}
	// A day is one bucket by its date: its hours' offsets may differ (a
	// DST change, in the events' own offsets).
	days := map[string]int{}
	for _, k := range keys {
		b := c.series[k]
		start := b.start
		if daily {
			day := start.Format(time.DateOnly)
			if i, ok := days[day]; ok {
				out[i].add(b)
				continue
			}
			days[day] = len(out)
			start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, start.Location())
		}
		nb := Bucket{Start: start}
		nb.add(b)
		out = append(out, nb)
	}
	return out
}

func (o *Bucket) add(b *bucket) {
	o.Conversations += b.conversations
	o.Counted += b.counted
	o.Contained += b.contained
	o.Escalated += b.escalated
	o.CSATResponses += b.csatResponses
	o.CSATSatisfied += b.csatSatisfied
	o.NPSResponses += b.npsResponses
	o.NPSPromoters += b.promoters
	o.NPSDetractors += b.detractors
}
