package config

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/sla"
)

// TestExampleRoutingClock routes handoffs with examples/baton.yaml at the
// moments a support lead checks: the closing minute, a holiday, the nights
// clocks change in Rome, a team in New York.
func TestExampleRoutingClock(t *testing.T) {
	c := loadExample(t)
	rome, _ := time.LoadLocation("Europe/Rome")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, rome)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	billing := flows.Handoff{Language: "en", Signals: &flows.Signals{Intent: "invoice"}}
	vip := flows.Handoff{Language: "it", Contact: flows.Contact{Meta: map[string]string{"vip": "true"}}}
	tests := []struct {
		name    string
		now     string
		h       flows.Handoff
		team    string
		inHours bool
		ooh     string
		next    string // Rome time
		msgHas  string
	}{
		{"billing 17:59:59 open", "2026-03-03 17:59:59", billing, "billing", true, "", "", "within 4 hours"},
		{"billing 18:00 closed", "2026-03-03 18:00:00", billing, "billing", false, handoff.OutOfHoursTicket, "2026-03-04 09:00:00", "I've logged your request"},
		{"billing lunch", "2026-03-03 13:30:00", billing, "billing", false, handoff.OutOfHoursTicket, "2026-03-03 14:00:00", "14:00"},
		{"billing holiday", "2026-01-01 10:00:00", billing, "billing", false, handoff.OutOfHoursTicket, "2026-01-02 09:00:00", "tomorrow at 09:00"},
		{"support DST spring Sunday", "2026-03-29 01:30:00", flows.Handoff{Language: "en"}, "support", false, handoff.OutOfHoursTicket, "2026-03-30 08:00:00", "tomorrow at 08:00"},
		{"support DST autumn Saturday 12:59", "2026-10-24 12:59:00", flows.Handoff{Language: "en"}, "support", true, "", "", ""},
		{"vip NY open 16:00 Rome (10:00 NY)", "2026-03-03 16:00:00", vip, "vip", true, "", "", ""},
		{"vip NY closed 10:00 Rome (04:00 NY)", "2026-03-03 10:00:00", vip, "vip", false, handoff.OutOfHoursTell, "2026-03-03 14:00:00", "08:00"},
		// US clocks change on 8 March, Rome's on 29 March: 6 hours apart for three weeks.
		{"vip NY closed, between the two DSTs", "2026-03-10 10:00:00", vip, "vip", false, handoff.OutOfHoursTell, "2026-03-10 13:00:00", "08:00"},
		{"vip NY Sunday DST 8 March", "2026-03-08 12:00:00", vip, "vip", false, handoff.OutOfHoursTell, "2026-03-08 15:00:00", "10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := at(tt.now)
			r, err := handoff.NewRouter(c, handoff.RouterClock(func() time.Time { return now }))
			if err != nil {
				t.Fatal(err)
			}
			h := tt.h
			d, err := r.Route(context.Background(), &h)
			if err != nil {
				t.Fatal(err)
			}
			if d.Team != tt.team || d.InHours != tt.inHours || d.OutOfHours != tt.ooh {
				t.Errorf("team %s in_hours %v out_of_hours %q; want %s %v %q", d.Team, d.InHours, d.OutOfHours, tt.team, tt.inHours, tt.ooh)
			}
			if tt.next != "" && !d.NextOpen.Equal(at(tt.next)) {
				t.Errorf("next open %v, want %s Rome", d.NextOpen.In(rome), tt.next)
			}
			if !strings.Contains(d.Message, tt.msgHas) {
				t.Errorf("message %q lacks %q", d.Message, tt.msgHas)
			}
		})
	}
}

// TestExampleRoutingFallbacks: no rule matches, a flow's team the config
// does not define, a second escalation of one conversation.
func TestExampleRoutingFallbacks(t *testing.T) {
	c := loadExample(t)
	rome, _ := time.LoadLocation("Europe/Rome")
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, rome)
	r, _ := handoff.NewRouter(c, handoff.RouterClock(func() time.Time { return now }))
	h := flows.Handoff{ID: "a", Language: "en"}
	d, _ := r.Route(context.Background(), &h)
	if d.Team != "support" || d.Rule != "" || d.Connector != "zendesk" || d.Group != "360003333333" {
		t.Errorf("no rule: %+v", d)
	}
	h = flows.Handoff{ID: "b", Language: "en", Team: "nosuchteam"}
	d, _ = r.Route(context.Background(), &h)
	t.Logf("unknown team: team=%q name=%q conn=%q group=%q msg=%q", d.Team, d.TeamName, d.Connector, d.Group, d.Message)
	h1 := flows.Handoff{ID: "c-1", Language: "en", Reason: "menu", Team: "support"}
	d1, _ := r.Route(context.Background(), &h1)
	h2 := flows.Handoff{ID: "c-2", Language: "en", Reason: "sensitive_topic", Team: "billing", Priority: flows.PriorityHigh}
	d2, _ := r.Route(context.Background(), &h2)
	if d1.Team != "support" || d2.Team != "billing" || h2.Priority != flows.PriorityHigh {
		t.Errorf("twice: %s then %s (%s)", d1.Team, d2.Team, h2.Priority)
	}
	// After-hours ticket's due time: support, Friday 20:30, normal 2h, business hours.
	fri := time.Date(2026, 3, 6, 20, 30, 0, 0, rome)
	tab := &sla.Table{Default: sla.Policy{FirstResponse: map[flows.Priority]time.Duration{flows.PriorityNormal: 2 * time.Hour}, Hours: c.Teams["support"].Hours, BusinessHours: true}}
	fr, _ := tab.Default.Due(fri, flows.PriorityNormal)
	if want := time.Date(2026, 3, 7, 11, 0, 0, 0, rome); !fr.Equal(want) {
		t.Errorf("due %v, want %v", fr, want)
	}
}

// TestClosedTeamTellsWhenItOpens: a closed team tells the customer when
// it opens, whatever the order of its spans, and weeks ahead in a whole
// sentence with the date.
func TestClosedTeamTellsWhenItOpens(t *testing.T) {
	rome, _ := time.LoadLocation("Europe/Rome")
	var august []string // three weeks of holidays
	for d := time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2026, 8, 24, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		august = append(august, `"`+d.Format(time.DateOnly)+`"`)
	}
	for _, tc := range []struct {
		name, hours string
		now, open   time.Time
		say         string
	}{
		{"spans afternoon first", `mon-fri: ["14:00-18:00", "09:00-13:00"]`,
			time.Date(2026, 3, 3, 8, 0, 0, 0, rome), time.Date(2026, 3, 3, 9, 0, 0, 0, rome), "09:00"},
		{"closed three weeks", `mon-fri: "09:00-18:00"` + "\n      holidays: [" + strings.Join(august, ", ") + "]",
			time.Date(2026, 8, 3, 10, 0, 0, 0, rome), time.Date(2026, 8, 24, 9, 0, 0, 0, rome), "reopens Monday, August 24 at 09:00"},
	} {
		src := `
connectors:
  webhook:
    url: https://example.com/hook
teams:
  support:
    name: Support
    out_of_hours: tell
    hours:
      timezone: Europe/Rome
      ` + tc.hours + `
routing:
  default_team: support
`
		c, diags := Parse("cfg.yaml", []byte(src), WithEnv(envOf(nil)))
		if diags.HasErrors() {
			t.Fatalf("%s: %v", tc.name, diags.Err())
		}
		r, _ := handoff.NewRouter(c.Handoff, handoff.RouterClock(func() time.Time { return tc.now }))
		d, err := r.Route(context.Background(), &flows.Handoff{Language: "en"})
		if err != nil {
			t.Fatal(err)
		}
		if d.InHours || !d.NextOpen.Equal(tc.open) || !strings.Contains(d.Message, tc.say) {
			t.Errorf("%s: in hours %v, next open %v, message %q; want closed, opening %v, saying %q", tc.name, d.InHours, d.NextOpen, d.Message, tc.open, tc.say)
		}
	}
}

// TestTeamHoursNeedTimezone: hours are written as in a flow, where a
// calendar without timezone: is an error; a team's hours without one were
// silently read in UTC (a Rome team open 09:00-18:00 took handoffs from
// 10:00 to 19:00 in winter).
func TestTeamHoursNeedTimezone(t *testing.T) {
	src := `
connectors:
  webhook:
    url: https://example.com/hook
teams:
  support:
    hours:
      mon-fri: "09:00-18:00"
routing:
  default_team: support
`
	_, diags := Parse("cfg.yaml", []byte(src), WithEnv(envOf(nil)))
	want := "cfg.yaml:8:7: error: teams.support.hours needs timezone: (an IANA name such as Europe/Rome or America/New_York)"
	if !strings.Contains(fmt.Sprint(diags.Err()), want) {
		t.Errorf("diagnostics:\n%v\nwant %q", fmt.Sprint(diags.Err()), want)
	}
}

// TestRoutingOutOfHoursEmailNeedsTeamEmail: routing.out_of_hours: email
// offers each closed team's address; a team with hours and no email:
// would tell the customer "write to us at ." It is an error, as for a
// team's own out_of_hours: email.
func TestRoutingOutOfHoursEmailNeedsTeamEmail(t *testing.T) {
	src := `
connectors:
  webhook:
    url: https://example.com/hook
teams:
  support:
    hours: {timezone: Europe/Rome, mon-fri: "09:00-18:00"}
  tech:
    hours: {timezone: Europe/Rome, mon-fri: "09:00-18:00"}
    email: tech@acme.example
  night:
    out_of_hours: ticket
    hours: {timezone: Europe/Rome, mon-fri: "09:00-18:00"}
  always: {}
routing:
  default_team: support
  out_of_hours: email
`
	_, diags := Parse("cfg.yaml", []byte(src), WithEnv(envOf(nil)))
	got := fmt.Sprint(diags.Err())
	if want := "cfg.yaml:6:3: error: teams.support: out_of_hours: email (routing.out_of_hours) needs the address to offer, email: support@example.com"; !strings.Contains(got, want) {
		t.Errorf("diagnostics:\n%s\nwant %q", got, want)
	}
	for _, team := range []string{"tech", "night", "always"} {
		if strings.Contains(got, "teams."+team+":") {
			t.Errorf("team %s needs no email: %s", team, got)
		}
	}
}

// TestMessagePlaceholders: a message's {placeholder} that the message does
// not fill reached the customer as written ("we'll reply within {sla}" in
// assigned_by, which tells {due}); it is a warning at its line, naming
// what the message fills.
func TestMessagePlaceholders(t *testing.T) {
	src := `
connectors:
  webhook:
    url: https://example.com/hook
messages:
  assigned_by:
    en: "We'll reply within {sla}."
    it: "Ti risponderemo entro {due} ({team})."
  after_hours_tell:
    es: "Reabrimos {opens}, {{team}}."
`
	c, diags := Parse("cfg.yaml", []byte(src), WithEnv(envOf(nil)))
	if diags.HasErrors() || c == nil {
		t.Fatalf("errors: %v", diags.Err())
	}
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	want := []string{
		`cfg.yaml:7:9: warning: messages.assigned_by.en: {sla} is not filled in this message (it fills {team}, {due}): the customer would read it as written`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestMessageNoDateSibling: a deployment that words an out-of-hours
// message in a language Baton has no built-in texts in (Dutch), but not
// its undated sibling, tells those customers the English undated text
// when a team is closed with no date to reopen; a warning at the text
// says which message to write. German has built-in undated texts, and
// a sibling written in the language needs nothing.
func TestMessageNoDateSibling(t *testing.T) {
	src := `
connectors:
  webhook:
    url: https://example.com/hook
messages:
  after_hours_tell:
    nl: "Het team {team} is nu gesloten en opent weer {opens}."
    de: "Das Team {team} ist zu, wieder ab {opens}."
  after_hours_ticket:
    nl: "Het team {team} is nu gesloten; we antwoorden {opens}."
  after_hours_ticket_no_date:
    nl: "Het team {team} is voorlopig gesloten; we antwoorden zodra het weer opent."
`
	c, diags := Parse("cfg.yaml", []byte(src), WithEnv(envOf(nil)))
	if diags.HasErrors() || c == nil {
		t.Fatalf("errors: %v", diags.Err())
	}
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	want := []string{
		`cfg.yaml:7:5: warning: messages.after_hours_tell.nl: after_hours_tell_no_date has no nl text (nor a built-in one): customers in nl of a team closed with no date to reopen are told the English one; write messages.after_hours_tell_no_date.nl`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
