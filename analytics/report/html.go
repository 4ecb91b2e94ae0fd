package report

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/batonbot/baton/analytics/kpi"
)

// chartJS is Chart.js, vendored from npm (assets/README.md).
//
//go:embed assets/chart.umd.min.js
var chartJS string

const (
	chartJSVersion = "4.6.1"
	chartJSSHA256  = "87364cc2b2a76a6684929e7d6b80b18a897794db38400caff1fcf1791c6925d2"
)

// ChartJSIntact reports whether the embedded Chart.js is the vendored file
// (its SHA-256 as recorded in assets/README.md).
func ChartJSIntact() bool {
	h := sha256.Sum256([]byte(chartJS))
	return hex.EncodeToString(h[:]) == chartJSSHA256
}

// HTMLOptions describe the page.
type HTMLOptions struct {
	Title string
	// Sources are the events files the KPIs come from.
	Sources []string
	// Filters are the options the KPIs were computed with.
	Filters kpi.Options
	// Generated is the time printed on the page (default now).
	Generated time.Time
}

// HTML writes a self-contained report page: the KPIs as cards and tables,
// and charts (volume by hour and weekday, containment and escalation over
// time, escalation reasons, the state funnel with drop-off, first response
// against the SLA by team and priority, CSAT and NPS over time) drawn by
// the embedded Chart.js. It loads nothing from the network.
func HTML(w io.Writer, r *kpi.Result, o HTMLOptions) error {
	if o.Title == "" {
		o.Title = "Baton report"
	}
	if o.Generated.IsZero() {
		o.Generated = time.Now()
	}
	data, err := json.Marshal(chartData(r))
	if err != nil {
		return err
	}
	lib := chartJS
	if i := strings.LastIndex(lib, "\n//# sourceMappingURL="); i >= 0 {
		lib = lib[:i] // no map ships with the page
	}
	return page.Execute(w, pageData{
		Title:     o.Title,
		Generated: o.Generated.Format(time.RFC3339),
		Scope:     scope(r, o),
		Cards:     cards(r),
		Funnel:    funnelRows(r.Funnel),
		Teams:     r.FirstResponse.ByTeam,
		Data:      template.JS(data),
		ChartJS:   template.JS(lib),
		Version:   chartJSVersion,
	})
}

type pageData struct {
	Title, Generated, Scope string
	Cards                   []card
	Funnel                  []funnelRow
	Teams                   []kpi.TeamSLA
	Data                    template.JS
	ChartJS                 template.JS
	Version                 string
}

type card struct{ Label, Value, Note string }

// funnelRow is a funnel line named as the chart names it: flow/state
// when the data holds several flows.
type funnelRow struct {
	Name string
	kpi.FunnelState
}

func funnelRows(f []kpi.FunnelState) []funnelRow {
	multi := multiFlow(f)
	rows := make([]funnelRow, 0, len(f))
	for _, s := range f {
		name := s.State
		if multi {
			name = s.Flow + "/" + s.State
		}
		rows = append(rows, funnelRow{name, s})
	}
	return rows
}

func scope(r *kpi.Result, o HTMLOptions) string {
	var parts []string
	if r.From != nil {
		parts = append(parts, "from "+r.From.Format(time.RFC3339))
	}
	if r.To != nil {
		parts = append(parts, "to "+r.To.Format(time.RFC3339))
	}
	f := o.Filters
	for _, kv := range [][2]string{{"flow", f.Flow}, {"channel", f.Channel}, {"language", f.Lang}, {"team", f.Team}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	parts = append(parts, fmt.Sprintf("%d events", r.Events))
	if len(o.Sources) > 0 {
		parts = append(parts, "from "+strings.Join(o.Sources, ", "))
	}
	return strings.Join(parts, " · ")
}

func cards(r *kpi.Result) []card {
	return []card{
		{"Conversations", fmt.Sprint(r.Conversations), fmt.Sprintf("%d still open", r.Open)},
		{"Containment", pctOf(r.Conversations, r.ContainmentRate), fmt.Sprintf("%d contained", r.Outcomes["contained"])},
		{"Escalation", pctOf(r.Conversations, r.EscalationRate), fmt.Sprintf("%d of %d conversations; %d handoffs in all", r.Escalated, r.Conversations, r.Escalations)},
		{"Fallback", pctOf(r.MessagesIn, r.FallbackRate), fmt.Sprintf("%d of %d messages", r.NoMatches, r.MessagesIn)},
		{"First response p50", durN(r.FirstResponse.Count, r.FirstResponse.P50), "p90 " + durN(r.FirstResponse.Count, r.FirstResponse.P90) + " · within SLA " + optPct(r.FirstResponse.WithinSLA)},
		{"Resolution p50", durN(r.Resolution.Count, r.Resolution.P50), "p90 " + durN(r.Resolution.Count, r.Resolution.P90) + " · within SLA " + optPct(r.Resolution.WithinSLA)},
		{"FCR (proxy)", optPct(r.FCR.Rate), fmt.Sprintf("%d came back within 7 days", r.FCR.Repeated)},
		{"CSAT", optScore(r.CSAT.Score, "%"), surveyNote(r.CSAT)},
		{"NPS", optScore(r.NPS.Score, ""), surveyNote(r.NPS)},
		{"CES", optScore(r.CES.Score, ""), surveyNote(r.CES)},
	}
}

func surveyNote(s kpi.Survey) string {
	if s.Asked == 0 && s.Responses == 0 {
		return "no survey"
	}
	return fmt.Sprintf("%d responses · %s answered", s.Responses, optPct(s.ResponseRate))
}

// charts is what the page's script draws.
type charts struct {
	Hours     []int      `json:"hours"`
	Weekdays  []int      `json:"weekdays"`
	Buckets   []string   `json:"buckets"`
	Contained []*float64 `json:"contained"`
	Escalated []*float64 `json:"escalated"`
	CSAT      []*float64 `json:"csat"`
	NPS       []*float64 `json:"nps"`
	Reasons   []string   `json:"reasons"`
	ReasonN   []int      `json:"reason_counts"`
	States    []string   `json:"states"`
	Left      []int      `json:"left"`
	HandedOff []int      `json:"handed_off"`
	Ended     []int      `json:"ended"`
	Dropped   []int      `json:"dropped"`
	Teams     []string   `json:"teams"`
	FRTp50    []*float64 `json:"frt_p50"`
	FRTp90    []*float64 `json:"frt_p90"`
	WithinSLA []*float64 `json:"within_sla"`
}

func chartData(r *kpi.Result) charts {
	c := charts{Hours: r.VolumeByHour[:], Weekdays: r.VolumeByWeekday[:]}
	daily := len(r.Series) > 1 && r.Series[len(r.Series)-1].Start.Sub(r.Series[0].Start) >= 24*time.Hour &&
		r.Series[1].Start.Sub(r.Series[0].Start) >= 24*time.Hour
	for _, b := range r.Series {
		label := b.Start.Format("Jan 2 15:04")
		if daily {
			label = b.Start.Format("Mon Jan 2")
		}
		c.Buckets = append(c.Buckets, label)
		done := b.Counted                 // open conversations are not in the rates
		var contained, escalated *float64 // none counted: a gap, not 0%
		if done > 0 {
			contained, escalated = ptr(rate(b.Contained, done)), ptr(rate(b.Escalated, done))
		}
		c.Contained = append(c.Contained, contained)
		c.Escalated = append(c.Escalated, escalated)
		var csat, nps *float64
		if b.CSATResponses > 0 {
			v := 100 * float64(b.CSATSatisfied) / float64(b.CSATResponses)
			csat = &v
		}
		if b.NPSResponses > 0 {
			v := 100 * float64(b.NPSPromoters-b.NPSDetractors) / float64(b.NPSResponses)
			nps = &v
		}
		c.CSAT = append(c.CSAT, csat)
		c.NPS = append(c.NPS, nps)
	}
	reasons := make([]string, 0, len(r.EscalationsByReason))
	for k := range r.EscalationsByReason {
		reasons = append(reasons, k)
	}
	sort.Slice(reasons, func(i, j int) bool {
		a, b := r.EscalationsByReason[reasons[i]], r.EscalationsByReason[reasons[j]]
		return a > b || (a == b && reasons[i] < reasons[j])
	})
	for _, k := range reasons {
		c.Reasons = append(c.Reasons, k)
		c.ReasonN = append(c.ReasonN, r.EscalationsByReason[k])
	}
	multi := multiFlow(r.Funnel)
	for _, s := range r.Funnel {
		name := s.State
		if multi {
			name = s.Flow + "/" + s.State
		}
		c.States = append(c.States, name)
		c.Left = append(c.Left, s.Left)
		c.HandedOff = append(c.HandedOff, s.HandedOff)
		c.Ended = append(c.Ended, s.Ended)
		c.Dropped = append(c.Dropped, s.Dropped)
	}
	for _, t := range r.FirstResponse.ByTeam {
		c.Teams = append(c.Teams, orDash(t.Team)+" · "+orDash(t.Priority))
		var p50, p90 *float64 // nobody answered: no bars, not 0 minutes
		if t.Count > 0 {
			p50, p90 = ptr(t.P50/60), ptr(t.P90/60)
		}
		c.FRTp50 = append(c.FRTp50, p50)
		c.FRTp90 = append(c.FRTp90, p90)
		var w *float64
		if t.WithinSLA != nil {
			v := 100 * *t.WithinSLA
			w = &v
		}
		c.WithinSLA = append(c.WithinSLA, w)
	}
	return c
}

func ptr(v float64) *float64 { return &v }

// rate is a share in percent; a bucket with no conversations reads 0.
func rate(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(int(1000*float64(n)/float64(of)+0.5)) / 10
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":    pct,
	"durN":   durN,
	"optPct": optPct,
}).Parse(pageHTML))
