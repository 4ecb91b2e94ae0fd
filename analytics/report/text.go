package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/batonbot/baton/analytics/kpi"
)

// JSON writes r as one indented JSON object.
func JSON(w io.Writer, r *kpi.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func pct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// pctOf is a rate over n things, or "-" when n is 0: a rate over
// nothing is no figure (the JSON keeps 0, a fraction in [0, 1]).
func pctOf(n int, v float64) string {
	if n == 0 {
		return "-"
	}
	return pct(v)
}

func optPct(v *float64) string {
	if v == nil {
		return "-"
	}
	return pct(*v)
}

func optScore(v *float64, suffix string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%s", *v, suffix)
}

// dur writes seconds the short way: 45s, 12m30s, 3h05m, 2d04h.
func dur(sec float64) string {
	d := time.Duration(sec * float64(time.Second)).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// durN is dur, or "-" when nothing was measured (n is the count).
func durN(n int, sec float64) string {
	if n == 0 {
		return "-"
	}
	return dur(sec)
}

// msN is milliseconds, or "-" when nothing was measured.
func msN(n int, ms float64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0fms", ms)
}

// Text writes r as a terminal report: the headline KPIs, then tables.
func Text(w io.Writer, r *kpi.Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format+"\n", args...) }
	period := "all events"
	if r.From != nil || r.To != nil {
		period = ""
		if r.From != nil {
			period += "from " + r.From.Format(time.RFC3339) + " "
		}
		if r.To != nil {
			period += "to " + r.To.Format(time.RFC3339)
		}
	}
	scope := []string{strings.TrimSpace(period)}
	if f := r.Filters; f != nil {
		for _, kv := range [][2]string{{"flow", f.Flow}, {"channel", f.Channel}, {"language", f.Lang}, {"team", f.Team}} {
			if kv[1] != "" {
				scope = append(scope, kv[0]+" "+kv[1])
			}
		}
	}
	p("Baton report\t%s\t%d events", strings.Join(scope, ", "), r.Events)
	if f := r.Filters; f != nil && f.Team != "" {
		p("(--team %s: escalations, first response, resolution, SLA and surveys are %s's handoffs; conversations, containment, fallback, FCR, the funnel and volume are every team's)", f.Team, f.Team)
	}
	if len(r.UnknownTypes) > 0 {
		n, parts := 0, []string{}
		for _, k := range sortedByCount(r.UnknownTypes) {
			n += r.UnknownTypes[k]
			parts = append(parts, fmt.Sprintf("%s %d", k, r.UnknownTypes[k]))
		}
		p("(%d events of types this baton does not know, skipped: %s)", n, strings.Join(parts, ", "))
	}
	if r.Repeated > 0 {
		p("(%d events read again (the same id and time), counted once)", r.Repeated)
	}
	p("")
	p("conversations\t%d\t(%d still open, not counted)", r.Conversations, r.Open)
	p("  contained\t%d", r.Outcomes["contained"])
	p("  handed off\t%d", r.Outcomes["handed_off"])
	p("  abandoned\t%d", r.Outcomes["abandoned"])
	p("  expired\t%d", r.Outcomes["expired"])
	p("containment rate\t%s", pctOf(r.Conversations, r.ContainmentRate))
	p("escalation rate\t%s\t(%d of %d conversations; %d handoffs in all, open conversations' included)",
		pctOf(r.Conversations, r.EscalationRate), r.Escalated, r.Conversations, r.Escalations)
	p("fallback rate\t%s\t(%d no-match of %d messages)", pctOf(r.MessagesIn, r.FallbackRate), r.NoMatches, r.MessagesIn)
	before := "-"
	if r.TimeToHandoff.Count > 0 { // the escalated conversations
		before = fmt.Sprintf("%.1f", r.Turns.BeforeHandoff)
	}
	turns := "-"
	if r.Conversations > 0 {
		turns = fmt.Sprintf("%.1f", r.Turns.Average)
	}
	p("turns\t%s per conversation\t%s before a handoff", turns, before)
	tth := r.TimeToHandoff
	p("time to handoff\tavg %s\tp50 %s  p90 %s", durN(tth.Count, tth.Average), durN(tth.Count, tth.P50), durN(tth.Count, tth.P90))
	p("bot response\tp50 %s\tp90 %s", msN(r.BotResponse.Count, r.BotResponse.P50), msN(r.BotResponse.Count, r.BotResponse.P90))
	fr, res := r.FirstResponse, r.Resolution
	p("first response\tp50 %s\tp90 %s  within SLA %s  (%d breached)", durN(fr.Count, fr.P50), durN(fr.Count, fr.P90), optPct(fr.WithinSLA), fr.Breached)
	p("resolution\tp50 %s\tp90 %s  within SLA %s", durN(res.Count, res.P50), durN(res.Count, res.P90), optPct(res.WithinSLA))
	p("handoffs\t%d requested\t%d delivered, %d failed", r.Handoffs.Requested, r.Handoffs.Delivered, r.Handoffs.Failed)
	if len(r.Handoffs.Alerts) > 0 {
		var ths []int
		for th := range r.Handoffs.Alerts {
			ths = append(ths, th)
		}
		sort.Ints(ths)
		var parts []string
		for _, th := range ths {
			parts = append(parts, fmt.Sprintf("%d at %d%%", r.Handoffs.Alerts[th], th))
		}
		p("SLA alerts\t%s", strings.Join(parts, ", "))
	}
	p("FCR (proxy)\t%s\t(%d resolved first time, %d came back, %d pending)", optPct(r.FCR.Rate), r.FCR.Resolved, r.FCR.Repeated, r.FCR.Pending)
	p("CSAT\t%s\t%s", optScore(r.CSAT.Score, "%"), surveyLine(r.CSAT))
	p("NPS\t%s\t%s", optScore(r.NPS.Score, ""), surveyLine(r.NPS))
	p("CES\t%s\t%s", optScore(r.CES.Score, ""), surveyLine(r.CES))
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(r.EscalationsByReason) > 0 {
		fmt.Fprintln(w, "\nEscalations by reason")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, k := range sortedByCount(r.EscalationsByReason) {
			fmt.Fprintf(tw, "  %s\t%d\t%s\t\n", k, r.EscalationsByReason[k], pct(ratio(r.EscalationsByReason[k], r.Escalations)))
		}
		_ = tw.Flush()
	}
	if len(r.FirstResponse.ByTeam) > 0 || len(r.Resolution.ByTeam) > 0 {
		fmt.Fprintln(w, "\nFirst response by team and priority")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  team\tpriority\tanswered\tp50\tp90\twithin SLA\tbreached")
		for _, t := range r.FirstResponse.ByTeam {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\t%s\t%d\n", orDash(t.Team), orDash(t.Priority), t.Count, durN(t.Count, t.P50), durN(t.Count, t.P90), optPct(t.WithinSLA), t.Breached)
		}
		_ = tw.Flush()
	}
	if len(r.Funnel) > 0 {
		fmt.Fprintln(w, "\nFunnel")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  state\tentered\tleft\thanded off\tended\tdropped\tdrop-off")
		for _, s := range r.Funnel {
			name := s.State
			if multiFlow(r.Funnel) {
				name = s.Flow + "/" + s.State
			}
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%d\t%s\n", name, s.Entered, s.Left, s.HandedOff, s.Ended, s.Dropped, pct(s.DropRate))
		}
		_ = tw.Flush()
	}
	fmt.Fprintln(w, "\nConversations by hour")
	fmt.Fprintln(w, "  "+sparkline(r.VolumeByHour[:]))
	fmt.Fprintln(w, "  0     6     12    18   23")
	days := []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	var parts []string
	for i, n := range r.VolumeByWeekday {
		parts = append(parts, fmt.Sprintf("%s %d", days[i], n))
	}
	fmt.Fprintln(w, "  "+strings.Join(parts, "  "))
	return nil
}

func surveyLine(s kpi.Survey) string {
	if s.Asked == 0 && s.Responses == 0 {
		return "no survey"
	}
	return fmt.Sprintf("%d responses of %d asked (response rate %s)", s.Responses, s.Asked, optPct(s.ResponseRate))
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sortedByCount(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

func multiFlow(f []kpi.FunnelState) bool {
	for _, s := range f {
		if s.Flow != f[0].Flow {
			return true
		}
	}
	return false
}

// sparkline draws counts as block characters.
func sparkline(v []int) string {
	blocks := []rune("▁▂▃▄▅▆▇█")
	hi := 0
	for _, n := range v {
		hi = max(hi, n)
	}
	var b strings.Builder
	for _, n := range v {
		if hi == 0 || n == 0 {
			b.WriteRune(' ')
			continue
		}
		b.WriteRune(blocks[min(len(blocks)-1, n*len(blocks)/(hi+1))])
	}
	return b.String()
}
