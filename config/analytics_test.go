package config

import (
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

const slaConfig = `
version: 1
connectors:
  webhook: {url: "https://crm.example.com/hook", secret: whsec_c2VjcmV0}
routing: {default_team: support}
teams:
  support:
    hours: {timezone: Europe/Rome, mon-fri: "09:00-18:00"}
  billing:
    hours: {timezone: Europe/Rome, mon-fri: "09:00-18:00"}
    sla:
      normal: 4h
      resolution: {normal: 3d}
      business_hours: false
sla:
  urgent: 15m
  high: 1h
  normal: 2h
  resolution: {urgent: 4h, high: 1d}
  business_hours: true
  alerts:
    at: [50, "100%"]
    slack: https://hooks.slack.com/services/T/B/X
    webhook: https://ops.example.com/sla
    secret: ${SLA_SECRET}
events:
  file: events/baton.jsonl
  rotate_size: 104857600
  rotate_daily: true
  text: false
  webhook: https://analytics.example.com/ingest
  stream: baton:events
  max_len: 500000
`

func TestSLAAndEventsSections(t *testing.T) {
	c, diags := Parse("cfg.yaml", []byte(slaConfig), WithEnv(func(n string) (string, bool) { return "whsec_c2VjcmV0", n == "SLA_SECRET" }))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	sup := c.SLA.Policy("support")
	if sup.FirstResponse[flows.PriorityHigh] != time.Hour || sup.Resolution[flows.PriorityUrgent] != 4*time.Hour || !sup.BusinessHours || sup.Hours == nil {
		t.Errorf("support: %+v", sup)
	}
	bil := c.SLA.Policy("billing")
	if bil.FirstResponse[flows.PriorityNormal] != 4*time.Hour || bil.FirstResponse[flows.PriorityUrgent] != 15*time.Minute ||
		bil.Resolution[flows.PriorityNormal] != 72*time.Hour || bil.Resolution[flows.PriorityHigh] != 24*time.Hour || bil.BusinessHours {
		t.Errorf("billing: %+v", bil)
	}
	// Friday 17:30 in Rome, high, business hours: 30 minutes on Friday,
	// 30 on Monday.
	loc, _ := time.LoadLocation("Europe/Rome")
	frt, res := sup.Due(time.Date(2026, 3, 6, 17, 30, 0, 0, loc), flows.PriorityHigh)
	if want := time.Date(2026, 3, 9, 9, 30, 0, 0, loc); !frt.Equal(want) || res.IsZero() {
		t.Errorf("support high due %s, want %s (resolution %s)", frt, want, res)
	}
	a := c.SLAAlerts
	if len(a.At) != 2 || a.At[0] != 50 || a.At[1] != 100 || a.Slack == "" || a.Webhook == "" || a.Secret != "whsec_c2VjcmV0" || !a.Enabled() {
		t.Errorf("alerts: %+v", a)
	}
	e := c.Events
	if e.File != "events/baton.jsonl" || e.RotateSize != 100<<20 || !e.RotateDaily || e.Text || e.Webhook == "" || e.Stream != "baton:events" || e.MaxLen != 500000 || !e.Enabled() {
		t.Errorf("events: %+v", e)
	}
}

func TestSLAAndEventsErrors(t *testing.T) {
	cases := map[string]string{
		"teams:\n  a:\n    sla:\n      alerts: {slack: https://x.example}\n": "alerts belong in the top-level sla",
		"sla:\n  resolution: {hgh: 1h}\n":                                    `unknown key "hgh"`,
		"sla:\n  alerts:\n    at: [0]\n":                                     "is not a share of the target",
		"sla:\n  business_hours: maybe\n":                                    "must be true or false",
		"events:\n  fil: x.jsonl\n":                                          `did you mean "file"`,
		"events:\n  rotate_size: 10\n":                                       "events.rotate_size must be a whole number",
	}
	for src, want := range cases {
		_, diags := Parse("cfg.yaml", []byte("version: 1\n"+src))
		if !diags.HasErrors() || !strings.Contains(diags.Err().Error(), want) {
			t.Errorf("%q: %v, want %q", src, diags.Err(), want)
		}
	}
}
