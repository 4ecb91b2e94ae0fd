package handoff

import (
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/batonbot/baton/flows"
)

// The deployment configs handoff's tests route by, written as the values
// package config decodes baton.yaml into (defaults included).

// compileRoute compiles a routing expression as config does: a rule's
// when gives true or false, the priority score a number.
func compileRoute(t testing.TB, src string, asBool bool) *vm.Program {
	t.Helper()
	kind := expr.AsFloat64()
	if asBool {
		kind = expr.AsBool()
	}
	p, err := expr.Compile(src, expr.Env(RouteEnv()), kind)
	if err != nil {
		t.Fatalf("compiling %q: %v", src, err)
	}
	return p
}

// weekdays is a calendar open from–to (HH:MM) Monday to Friday.
func weekdays(t testing.TB, name, tz, span string, holidays ...string) *flows.BusinessHours {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := flows.ParseSpan(span)
	if err != nil {
		t.Fatal(err)
	}
	b := &flows.BusinessHours{Name: name, Location: loc, Holidays: map[string]bool{}}
	for d := time.Monday; d <= time.Friday; d++ {
		b.Week[d] = []flows.Span{sp}
	}
	for _, h := range holidays {
		b.Holidays[h] = true
	}
	return b
}

func ptr[T any](v T) *T { return &v }

// routeTestConfig is a config with five teams, every kind of rule, a
// priority score, an SLA table and a notification threshold.
func routeTestConfig(t testing.TB) *Config {
	t.Helper()
	const stuck = `no_match >= 3 && language == "en"`
	const score = `(frustrated ? 30 : 0) + (vip ? 40 : 0) + no_match * 10 + 20`
	return &Config{
		Source: "route.yaml",
		NLU:    ConfigNLU{Analyser: "builtin"},
		Connectors: ConfigConnectors{
			Default: "zendesk",
			Zendesk: &ConfigZendesk{Subdomain: "acme", Email: "bot@acme.example", Token: "t",
				Groups: map[string]string{"billing": "111", "support": "333"}},
			Freshdesk: &ConfigFreshdesk{Domain: "acme.freshdesk.com", APIKey: "k",
				Groups: map[string]string{"vip": "777", "billing": "222"}},
		},
		Teams: map[string]*ConfigTeam{
			"support": {Name: "support", Display: "Support"},
			"billing": {Name: "billing", Display: "Billing", Hours: weekdays(t, "billing", "Europe/Rome", "09:00-18:00", "2025-12-25"),
				OutOfHours: OutOfHoursTicket, Strategy: StrategySkills, Agents: []ConfigAgent{
					{ID: "anna", Skills: []string{"refunds", "invoices"}, Languages: []string{"it"}},
					{ID: "luis", Skills: []string{"invoices"}, Languages: []string{"es", "en"}},
					{ID: "paul", Skills: []string{"refunds"}, Languages: []string{"en"}},
				}},
			"vip": {Name: "vip", Display: "Premium", Connector: "freshdesk",
				Hours: weekdays(t, "vip", "America/New_York", "09:00-17:00"), OutOfHours: OutOfHoursTell},
			"tech": {Name: "tech", Display: "Tech", Hours: weekdays(t, "tech", "Europe/Rome", "09:00-18:00"),
				OutOfHours: OutOfHoursEmail, Email: "tech@acme.example", Strategy: StrategyLeastLoaded,
				Agents: []ConfigAgent{{ID: "ada"}, {ID: "linus"}}},
			"rr": {Name: "rr", Strategy: StrategyRoundRobin, Agents: []ConfigAgent{{ID: "a1"}, {ID: "a2"}, {ID: "a3"}}},
		},
		TeamOrder: []string{"support", "billing", "vip", "tech", "rr"},
		Routing: ConfigRouting{
			DefaultTeam:  "support",
			OutOfHours:   OutOfHoursTicket,
			IntentSkills: map[string][]string{"refund": {"refunds"}},
			Rules: []*ConfigRule{
				{Name: "vip", Match: ConfigMatch{VIP: ptr(true)}, Team: "vip", Tags: []string{"vip"}},
				{Name: "italy enterprise", Match: ConfigMatch{Plans: []string{"enterprise"}, Countries: []string{"IT"}}, Team: "vip", Tags: []string{"enterprise-it"}},
				{Name: "money", Match: ConfigMatch{Intents: []string{"refund", "invoice"}}, Team: "billing", Tags: []string{"billing"}},
				{Name: "money words", Match: ConfigMatch{Keywords: []string{"rimborso", "doble cargo"}}, Team: "billing"},
				{Name: "outage", Match: ConfigMatch{Vars: map[string][]string{"status": {"down"}}}, Team: "tech", Priority: flows.PriorityUrgent},
				{Name: "stuck", Match: ConfigMatch{When: compileRoute(t, stuck, true), WhenSource: stuck}, Team: "tech", Tags: []string{"stuck"}},
			},
		},
		Priority: ConfigPriority{Source: score, Score: compileRoute(t, score, false), Thresholds: DefaultThresholds()},
		SLA: map[flows.Priority]time.Duration{flows.PriorityUrgent: 15 * time.Minute, flows.PriorityHigh: time.Hour,
			flows.PriorityNormal: 2 * time.Hour, flows.PriorityLow: 24 * time.Hour},
		Notify: ConfigNotify{Slack: "https://hooks.slack.com/services/x", TeamsFormat: "adaptive", MinPriority: flows.PriorityHigh},
	}
}

// connectorsTestConfig configures the three connectors, the Zendesk one
// at zendeskURL.
func connectorsTestConfig(zendeskURL string) *Config {
	return &Config{
		Source: "baton.yaml",
		Link:   "https://support.example.com/conversations/{id}",
		NLU:    ConfigNLU{Analyser: "builtin"},
		Connectors: ConfigConnectors{
			Default: "zendesk",
			Zendesk: &ConfigZendesk{BaseURL: zendeskURL, Subdomain: "acme", Email: "bot@acme.example", Token: "tok",
				Groups: map[string]string{"billing": "360001111111"}, Tags: []string{"baton"}},
			Freshdesk: &ConfigFreshdesk{Domain: "acme.freshdesk.com", APIKey: "key", Groups: map[string]string{"billing": "77000000003"}},
			Webhook:   &ConfigWebhook{URL: "https://crm.acme.example/hooks/baton", Secret: "whsec_c2FuZGJveC1zZWNyZXQ="},
		},
		Teams: map[string]*ConfigTeam{"billing": {Name: "billing", Strategy: StrategyRoundRobin,
			Agents: []ConfigAgent{{ID: "anna@acme.example", FreshdeskID: "77000000101"}}}},
		TeamOrder: []string{"billing"},
		Routing:   ConfigRouting{DefaultTeam: "billing", OutOfHours: OutOfHoursTicket},
		Priority:  ConfigPriority{Thresholds: DefaultThresholds()},
		Notify:    ConfigNotify{TeamsFormat: "adaptive", MinPriority: flows.PriorityUrgent},
	}
}
