package handoff

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Rome on hosts without zoneinfo, never a skip

	"github.com/batonbot/baton/flows"
)

// monday10 is Monday 10:00 in Rome (09:00 UTC), 04:00 in New York.
var monday10 = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

func newTestRouter(t *testing.T, cfg *Config, now time.Time, opts ...RouterOption) *Router {
	t.Helper()
	r, err := NewRouter(cfg, append([]RouterOption{RouterClock(func() time.Time { return now })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func userSays(texts ...string) []flows.Message {
	var out []flows.Message
	for _, s := range texts {
		out = append(out, flows.Message{From: flows.RoleUser, Text: s}, flows.Message{From: flows.RoleBot, Text: "ok"})
	}
	return out
}

func TestRouteRules(t *testing.T) {
	tests := []struct {
		name                   string
		h                      flows.Handoff
		now                    time.Time
		team, rule, conn, grp  string
		priority               flows.Priority
		tags                   string
		inHours, openTicket    bool
		outOfHours, messageHas string
	}{
		{name: "no rule: default team", h: flows.Handoff{Language: "en"},
			team: "support", conn: "zendesk", grp: "333", priority: flows.PriorityNormal, inHours: true, openTicket: true,
			messageHas: "I've passed you to the Support team; we'll reply within 2 hours."},
		{name: "vip from metadata, freshdesk, closed: tell", h: flows.Handoff{Language: "it", Contact: flows.Contact{Meta: map[string]string{"vip": "yes"}}},
			team: "vip", rule: "vip", conn: "freshdesk", grp: "777", priority: flows.PriorityHigh, tags: "vip",
			outOfHours: OutOfHoursTell, messageHas: "Il team Premium ora è chiuso e riapre oggi alle 09:00"},
		{name: "country from the phone prefix", h: flows.Handoff{Contact: flows.Contact{Phone: "+39 333 123 4567", Meta: map[string]string{"plan": "Enterprise"}}},
			team: "vip", rule: "italy enterprise", conn: "freshdesk", priority: flows.PriorityNormal, tags: "enterprise-it", grp: "777", outOfHours: OutOfHoursTell},
		{name: "other country does not match", h: flows.Handoff{Contact: flows.Contact{Phone: "+49 30 1234567", Meta: map[string]string{"plan": "enterprise"}}},
			team: "support", conn: "zendesk", grp: "333", priority: flows.PriorityNormal, inHours: true, openTicket: true},
		{name: "intent, in hours, italian SLA", h: flows.Handoff{Language: "it", Signals: &flows.Signals{Intent: "refund"}},
			team: "billing", rule: "money", conn: "zendesk", grp: "111", priority: flows.PriorityNormal, tags: "billing", inHours: true, openTicket: true,
			messageHas: "Ti ho passato al team Billing, ti risponderemo entro 2 ore."},
		{name: "keyword, folded", h: flows.Handoff{Transcript: userSays("Voglio il RIMBÓRSO!")},
			team: "billing", rule: "money words", conn: "zendesk", grp: "111", priority: flows.PriorityNormal, inHours: true, openTicket: true},
		{name: "phrase keyword needs the whole phrase", h: flows.Handoff{Transcript: userSays("un doble", "cargo")},
			team: "support", conn: "zendesk", grp: "333", priority: flows.PriorityNormal, inHours: true, openTicket: true},
		// A second handoff after the bot took the conversation back: the
		// first one's words (before the system line) are not this one's.
		{name: "keyword of an earlier handoff", h: flows.Handoff{Transcript: append(append(userSays("Voglio il rimborso"),
			flows.Message{From: flows.RoleSystem, Text: "The ticket was solved in the helpdesk. The bot took the conversation back."}), userSays("1", "sì")...)},
			team: "support", conn: "zendesk", grp: "333", priority: flows.PriorityNormal, inHours: true, openTicket: true},
		{name: "keyword after an earlier handoff", h: flows.Handoff{Transcript: append(append(userSays("ciao"),
			flows.Message{From: flows.RoleSystem, Text: "The ticket was solved in the helpdesk. The bot took the conversation back."}), userSays("il rimborso?")...)},
			team: "billing", rule: "money words", conn: "zendesk", grp: "111", priority: flows.PriorityNormal, inHours: true, openTicket: true},
		{name: "phrase keyword", h: flows.Handoff{Transcript: userSays("me hicieron un doble cargo")},
			team: "billing", rule: "money words", conn: "zendesk", grp: "111", priority: flows.PriorityNormal, inHours: true, openTicket: true},
		{name: "vars and rule priority", h: flows.Handoff{Vars: map[string]any{"status": "Down"}},
			team: "tech", rule: "outage", conn: "zendesk", priority: flows.PriorityUrgent, inHours: true, openTicket: true},
		{name: "expression, score from no_match", h: flows.Handoff{Language: "en", NoMatch: 3},
			team: "tech", rule: "stuck", conn: "zendesk", priority: flows.PriorityHigh, tags: "stuck", inHours: true, openTicket: true},
		{name: "billing closed at night: ticket tagged after-hours", now: time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC),
			h:    flows.Handoff{Language: "en", Signals: &flows.Signals{Intent: "invoice"}},
			team: "billing", rule: "money", conn: "zendesk", grp: "111", priority: flows.PriorityNormal, tags: "billing,after-hours", openTicket: true,
			outOfHours: OutOfHoursTicket, messageHas: "we'll reply when we reopen, tomorrow at 09:00 CET."}, // a customer of no known country: the team's zone named
		{name: "holiday: closed", now: time.Date(2025, 12, 25, 10, 0, 0, 0, time.UTC),
			h:    flows.Handoff{Language: "it", Signals: &flows.Signals{Intent: "refund"}},
			team: "billing", rule: "money", conn: "zendesk", grp: "111", priority: flows.PriorityNormal, tags: "billing,after-hours", openTicket: true,
			outOfHours: OutOfHoursTicket, messageHas: "alla riapertura, domani alle 09:00"},
		{name: "email out of hours", now: time.Date(2025, 3, 15, 10, 0, 0, 0, time.UTC),
			h:    flows.Handoff{Language: "en", Vars: map[string]any{"status": "down"}},
			team: "tech", rule: "outage", conn: "zendesk", priority: flows.PriorityUrgent, outOfHours: OutOfHoursEmail,
			messageHas: "You can write to tech@acme.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			if now.IsZero() {
				now = monday10
			}
			r := newTestRouter(t, routeTestConfig(t), now)
			h := tt.h
			d, err := r.Route(context.Background(), &h)
			if err != nil {
				t.Fatal(err)
			}
			got := []any{d.Team, d.Rule, d.Connector, d.Group, d.Priority, strings.Join(d.Tags, ","), d.InHours, d.OpenTicket, d.OutOfHours}
			want := []any{tt.team, tt.rule, tt.conn, tt.grp, tt.priority, tt.tags, tt.inHours, tt.openTicket, tt.outOfHours}
			names := []string{"team", "rule", "connector", "group", "priority", "tags", "in hours", "open ticket", "out of hours"}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s = %v, want %v", names[i], got[i], want[i])
				}
			}
			if !strings.Contains(d.Message, tt.messageHas) {
				t.Errorf("message = %q, want it to contain %q", d.Message, tt.messageHas)
			}
			if h.Team != d.Team || h.Priority != d.Priority || strings.Join(h.Tags, ",") != tt.tags || h.InHours != d.InHours {
				t.Errorf("handoff not filled: team %q priority %q tags %q in_hours %v", h.Team, h.Priority, h.Tags, h.InHours)
			}
			if len(d.Warnings) > 0 {
				t.Errorf("warnings: %q", d.Warnings)
			}
		})
	}
}

func TestRouteFlowValuesWinUnlessOverride(t *testing.T) {
	h := flows.Handoff{Team: "tech", Priority: flows.PriorityLow, Tags: []string{"from-flow"}, Signals: &flows.Signals{Intent: "refund"}}
	r := newTestRouter(t, routeTestConfig(t), monday10)
	h1 := h
	d, err := r.Route(context.Background(), &h1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Team != "tech" || d.Priority != flows.PriorityLow || strings.Join(d.Tags, ",") != "from-flow,billing" {
		t.Errorf("without override: team %s priority %s tags %v; want the flow's tech, low, and merged tags", d.Team, d.Priority, d.Tags)
	}
	override := routeTestConfig(t)
	override.Routing.Override = true
	r = newTestRouter(t, override, monday10)
	h2 := h
	d, err = r.Route(context.Background(), &h2)
	if err != nil {
		t.Fatal(err)
	}
	if d.Team != "billing" || d.Priority != flows.PriorityNormal || h2.Team != "billing" {
		t.Errorf("with override: team %s priority %s (h.Team %s); want billing, normal", d.Team, d.Priority, h2.Team)
	}
}

func TestRoutePriorityScore(t *testing.T) {
	tests := []struct {
		h      flows.Handoff
		score  float64
		want   flows.Priority
		notify bool
	}{
		{flows.Handoff{}, 20, flows.PriorityNormal, false},
		{flows.Handoff{Signals: &flows.Signals{Frustrated: true}}, 50, flows.PriorityHigh, true},
		{flows.Handoff{Signals: &flows.Signals{Frustrated: true}, NoMatch: 1}, 60, flows.PriorityHigh, true},
		{flows.Handoff{Signals: &flows.Signals{Frustrated: true}, Contact: flows.Contact{Meta: map[string]string{"vip": "true"}}}, 90, flows.PriorityUrgent, true},
		{flows.Handoff{Priority: flows.PriorityNormal, NoMatch: 2}, 40, flows.PriorityNormal, false},
	}
	for _, tt := range tests {
		lower := routeTestConfig(t)
		lower.Priority.Score = compileRoute(t, "-20 + "+lower.Priority.Source, false)
		r := newTestRouter(t, lower, monday10)
		h := tt.h
		d, err := r.Route(context.Background(), &h)
		if err != nil {
			t.Fatal(err)
		}
		if d.Score != tt.score-20 || d.Priority != pickPriority(tt.score-20) || d.Notify != (d.Priority == flows.PriorityHigh || d.Priority == flows.PriorityUrgent) {
			t.Errorf("%+v: score %v priority %s notify %v", tt.h, d.Score, d.Priority, d.Notify)
		}
		r = newTestRouter(t, routeTestConfig(t), monday10)
		h = tt.h
		d, _ = r.Route(context.Background(), &h)
		if d.Score != tt.score || d.Priority != tt.want || d.Notify != tt.notify {
			t.Errorf("%+v: score %v priority %s notify %v; want %v %s %v", tt.h, d.Score, d.Priority, d.Notify, tt.score, tt.want, tt.notify)
		}
	}
}

func pickPriority(score float64) flows.Priority {
	return ConfigPriority{Thresholds: DefaultThresholds()}.priorityOf(score)
}

func TestRouteExpressionFailureIsAWarning(t *testing.T) {
	cfg := routeTestConfig(t)
	cfg.Routing.Rules[5].Match.When = compileRoute(t, "vars.amount > 100", true)
	r := newTestRouter(t, cfg, monday10)
	h := flows.Handoff{Vars: map[string]any{"amount": "lots"}}
	d, err := r.Route(context.Background(), &h)
	if err != nil {
		t.Fatal(err)
	}
	if d.Team != "support" || len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "stuck") {
		t.Errorf("team %s warnings %q; want the default team and a warning naming the rule", d.Team, d.Warnings)
	}
}

func TestRouteAssignment(t *testing.T) {
	ctx := context.Background()
	route := func(r *Router, h flows.Handoff) string {
		t.Helper()
		d, err := r.Route(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		return d.Agent
	}
	t.Run("round-robin", func(t *testing.T) {
		r := newTestRouter(t, routeTestConfig(t), monday10)
		var got []string
		for i := 0; i < 4; i++ {
			got = append(got, route(r, flows.Handoff{Team: "rr"}))
		}
		if strings.Join(got, ",") != "a1,a2,a3,a1" {
			t.Errorf("round-robin = %v", got)
		}
	})
	t.Run("least-loaded", func(t *testing.T) {
		loads := NewMemLoads()
		_ = loads.Add(ctx, "ada", 2)
		r := newTestRouter(t, routeTestConfig(t), monday10, RouterLoads(loads))
		var got []string
		for i := 0; i < 4; i++ {
			a := route(r, flows.Handoff{Team: "tech"})
			_ = loads.Add(ctx, a, 1) // the session's save counts it
			got = append(got, a)
		}
		if strings.Join(got, ",") != "linus,linus,ada,linus" {
			t.Errorf("least-loaded = %v", got)
		}
		if l, _ := loads.Loads(ctx, []string{"ada", "linus"}); l["ada"] != 3 || l["linus"] != 3 {
			t.Errorf("loads = %v, want 3 each", l)
		}
	})
	t.Run("skills then language then load", func(t *testing.T) {
		tests := []struct {
			intent, lang string
			loads        map[string]int
			want         string
		}{
			{"refund", "it", nil, "anna"}, // refunds: anna, paul; speaks it: anna
			{"refund", "en", nil, "paul"}, // refunds: anna, paul; speaks en: paul
			{"refund", "de", nil, "anna"}, // nobody speaks de: least loaded, first listed
			{"refund", "de", map[string]int{"anna": 1}, "paul"},
			{"invoice", "es", nil, "luis"}, // no required skills: language decides
			{"invoice", "", map[string]int{"anna": 2, "luis": 1, "paul": 1}, "luis"},
		}
		for _, tt := range tests {
			loads := NewMemLoads()
			for a, n := range tt.loads {
				_ = loads.Add(ctx, a, n)
			}
			r := newTestRouter(t, routeTestConfig(t), monday10, RouterLoads(loads))
			got := route(r, flows.Handoff{Language: tt.lang, Signals: &flows.Signals{Intent: tt.intent}})
			if got != tt.want {
				t.Errorf("intent %s lang %q loads %v: agent %s, want %s", tt.intent, tt.lang, tt.loads, got, tt.want)
			}
		}
	})
	t.Run("no agent when no ticket", func(t *testing.T) {
		r := newTestRouter(t, routeTestConfig(t), time.Date(2025, 3, 15, 10, 0, 0, 0, time.UTC))
		if a := route(r, flows.Handoff{Team: "tech"}); a != "" {
			t.Errorf("agent %q assigned while the team is closed and offers e-mail", a)
		}
	})
}

type failingLoads struct{}

func (failingLoads) Loads(context.Context, []string) (map[string]int, error) {
	return nil, errors.New("store down")
}
func (failingLoads) Add(context.Context, string, int) error { return errors.New("store down") }

func TestRouteLoadErrors(t *testing.T) {
	r := newTestRouter(t, routeTestConfig(t), monday10, RouterLoads(failingLoads{}))
	if _, err := r.Route(context.Background(), &flows.Handoff{Team: "tech"}); err == nil || !strings.Contains(err.Error(), "store down") {
		t.Errorf("Route = %v, want the load tracker's error", err)
	}
	if _, err := r.Route(context.Background(), nil); err == nil {
		t.Error("Route(nil) succeeded")
	}
	if _, err := NewRouter(nil); err == nil {
		t.Error("NewRouter(nil) succeeded")
	}
}

func TestRouterResolver(t *testing.T) {
	r := newTestRouter(t, routeTestConfig(t), monday10)
	zd, fd := newFakeConn(), newFakeConn()
	res := r.Resolver(map[string]flows.Connector{"zendesk": zd, "freshdesk": fd})
	tests := []struct {
		item flows.OutboxItem
		want flows.Connector
	}{
		{flows.OutboxItem{Kind: flows.OutboxOpen, Handoff: &flows.Handoff{Team: "vip"}}, fd},
		{flows.OutboxItem{Kind: flows.OutboxOpen, Handoff: &flows.Handoff{Team: "billing"}}, zd},
		{flows.OutboxItem{Kind: flows.OutboxAppend, Ticket: flows.TicketRef{Connector: "freshdesk", ID: "9"}}, fd},
	}
	for _, tt := range tests {
		c, err := res(context.Background(), tt.item)
		if err != nil || c != tt.want {
			t.Errorf("resolve %+v = %v, %v", tt.item, c, err)
		}
	}
	res = r.Resolver(map[string]flows.Connector{"zendesk": zd})
	if _, err := res(context.Background(), tests[0].item); err == nil || !strings.Contains(err.Error(), `"freshdesk"`) {
		t.Errorf("resolve without freshdesk = %v, want an error naming it", err)
	}
}

func TestCountryFromPhone(t *testing.T) {
	tests := map[string]string{
		"+39 333 123 4567":   "IT",
		"0039 333 1234567":   "IT",
		"393331234567":       "IT", // WhatsApp id
		"+1 (212) 555-0100":  "US",
		"+1 416 555 0100":    "CA",
		"+1 787 555 0100":    "PR",
		"+44 20 7946 0958":   "GB",
		"+351 912 345 678":   "PT",
		"+353 1 234 5678":    "IE",
		"+55 11 91234-5678":  "BR",
		"+52 55 1234 5678":   "MX",
		"+7 495 123 4567":    "RU",
		"+7 701 123 4567":    "KZ",
		"+971 50 123 4567":   "AE",
		"+378 0549 123456":   "SM",
		"3331234567":         "", // national number: unknown
		"+999 1234 5678":     "",
		"not a phone":        "",
		"":                   "",
		"+39 333 123 4567 x": "",
	}
	for in, want := range tests {
		if got := CountryFromPhone(in); got != want {
			t.Errorf("CountryFromPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatDurationAndOpening(t *testing.T) {
	durations := []struct {
		d    time.Duration
		lang string
		want string
	}{
		{2 * time.Hour, "it", "2 ore"},
		{time.Hour, "it", "1 ora"},
		{90 * time.Minute, "en", "1 hour and 30 minutes"},
		{15 * time.Minute, "es", "15 minutos"},
		{48 * time.Hour, "pt-BR", "2 dias"},
		{24 * time.Hour, "de", "1 Tag"},
		{30 * time.Second, "fr", "1 minute"},
		{2 * time.Hour, "xx", "2 hours"},
	}
	for _, tt := range durations {
		if got := FormatDuration(tt.d, tt.lang); got != tt.want {
			t.Errorf("FormatDuration(%v, %s) = %q, want %q", tt.d, tt.lang, got, tt.want)
		}
	}
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 14, 19, 0, 0, 0, rome) // Friday evening
	openings := []struct {
		at   time.Time
		lang string
		want string
	}{
		{time.Date(2025, 3, 14, 20, 0, 0, 0, rome), "it", "oggi alle 20:00"},
		{time.Date(2025, 3, 15, 9, 0, 0, 0, rome), "en", "tomorrow at 09:00"},
		{time.Date(2025, 3, 17, 9, 0, 0, 0, rome), "it", "lunedì alle 09:00"},
		{time.Date(2025, 3, 17, 9, 0, 0, 0, rome), "es", "el lunes a las 09:00"}, // "reabre el lunes", "a más tardar el lunes"
		{time.Date(2025, 3, 20, 9, 0, 0, 0, rome), "en", "Thursday at 09:00"},    // six days ahead: this week's
		// A week or more ahead (a closure of weeks), the weekday alone
		// names the wrong one: the date is said too.
		{time.Date(2025, 3, 21, 9, 0, 0, 0, rome), "it", "venerdì 21/03 alle 09:00"},
		{time.Date(2025, 3, 24, 9, 0, 0, 0, rome), "en", "Monday, March 24 at 09:00"},
		{time.Date(2025, 4, 7, 9, 0, 0, 0, rome), "de", "Montag, 07.04. um 09:00"},
		{time.Date(2025, 4, 7, 9, 0, 0, 0, rome), "es", "el lunes 07/04 a las 09:00"},
		// French writes a time of day 09h30.
		{time.Date(2025, 3, 17, 9, 30, 0, 0, rome), "fr", "lundi à 09h30"},
		{time.Date(2025, 3, 15, 9, 0, 0, 0, rome), "fr-CA", "demain à 09h00"},
	}
	for _, tt := range openings {
		if got := FormatOpening(tt.at, now, rome, tt.lang); got != tt.want {
			t.Errorf("FormatOpening(%v, %s) = %q, want %q", tt.at, tt.lang, got, tt.want)
		}
	}
}

// TestExpand: the messages' placeholders are filled as a strings.Replacer
// of the "{name}", value pairs fills them.
func TestExpand(t *testing.T) {
	vars := map[string]string{"team": "Billing {sla}", "sla": "2 hours", "": "empty", "opens": "{team}"}
	for _, tmpl := range []string{"", "no placeholders", "{team} answers within {sla}.", "{{team}}", "{unknown} {team", "a {} b",
		"{opens}{opens}", "}{team}{", "{sla", "{{{sla}}}"} {
		var pairs []string
		for k, v := range vars {
			pairs = append(pairs, "{"+k+"}", v)
		}
		if got, want := expand(tmpl, vars), strings.NewReplacer(pairs...).Replace(tmpl); got != want {
			t.Errorf("expand(%q) = %q, want %q", tmpl, got, want)
		}
	}
}

// TestRouteScoreReadsFrustration: a priority score can weigh the
// analyser's frustration, top level or under signals.
func TestRouteScoreReadsFrustration(t *testing.T) {
	for _, src := range []string{"frustration * 100", "signals.frustration * 100"} {
		c := routeTestConfig(t)
		c.Priority.Score = compileRoute(t, src, false)
		r := newTestRouter(t, c, monday10)
		h := flows.Handoff{Signals: &flows.Signals{Frustration: 0.42}}
		d, err := r.Route(context.Background(), &h)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(d.Score-42) > 1e-9 {
			t.Errorf("%s: score %v, want 42", src, d.Score)
		}
	}
}

// TestResolverDeliversWhereRoutingDecided: the connector an open goes to
// is the one routing chose, even when the rule that chose it looked at
// what routing then changed (the team, its tags, whether it is open).
// Deciding again at delivery picked another rule, and the ticket went to
// another helpdesk than the routing decision (and the chat) said.
func TestResolverDeliversWhereRoutingDecided(t *testing.T) {
	cfg := routeTestConfig(t)
	const closed = `!in_hours`
	cfg.Routing.Rules = append([]*ConfigRule{{Name: "closed: freshdesk", Match: ConfigMatch{When: compileRoute(t, closed, true), WhenSource: closed},
		Connector: "freshdesk"}}, cfg.Routing.Rules...)
	r := newTestRouter(t, cfg, monday10)
	zd, fd := newFakeConn(), newFakeConn()
	// The flow's calendar was closed; the support team (no hours) is open.
	h := &flows.Handoff{ID: "h1", Language: "en", InHours: false}
	d, err := r.Route(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	if d.Connector != "freshdesk" {
		t.Fatalf("decision connector = %q, want freshdesk (rule %q)", d.Connector, d.Rule)
	}
	// Another process (or this one after a restart) delivers it.
	r2 := newTestRouter(t, cfg, monday10)
	res := r2.Resolver(map[string]flows.Connector{"zendesk": zd, "freshdesk": fd})
	c, err := res(context.Background(), flows.OutboxItem{Kind: flows.OutboxOpen, Handoff: h})
	if err != nil {
		t.Fatal(err)
	}
	if c != fd {
		t.Errorf("the open goes to %s, want freshdesk as routing decided", map[flows.Connector]string{zd: "zendesk", fd: "freshdesk"}[c])
	}
}

// TestRouteUnknownTeamWarns: a flow that names a team the config neither
// defines nor maps to a helpdesk group (a typo: "biling") is routed as
// asked, to the default connector with no group, and the decision warns,
// so the host's log says what to fix.
func TestRouteUnknownTeamWarns(t *testing.T) {
	r := newTestRouter(t, routeTestConfig(t), monday10)
	for _, tt := range []struct {
		team, warn string
	}{
		{"biling", `team "biling" is not defined under teams: and no connector maps it to a group; it went to connector zendesk with no group; did you mean "billing"?`},
		{"billing", ""},
		{"", ""},
	} {
		d, err := r.Route(context.Background(), &flows.Handoff{Team: tt.team})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(d.Warnings, "\n")
		if got != tt.warn {
			t.Errorf("team %q: warnings %q, want %q", tt.team, got, tt.warn)
		}
	}
}
