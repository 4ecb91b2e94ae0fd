package sandbox

import (
	"context"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/flows"
)

// TestRouteMessageBusinessHoursSLA: with an SLA that counts business hours
// only, a customer handed off at 17:30 (open until 18:00) is told the due
// time the SLA stamps, 10:30 the next morning (in the team's zone, named:
// the customer's country is unknown), not "within 17 hours".
func TestRouteMessageBusinessHoursSLA(t *testing.T) {
	const src = `
version: 1
connectors:
  webhook: {url: "https://crm.example.com/hook", secret: whsec_c2VjcmV0}
routing: {default_team: support}
teams:
  support:
    hours: {timezone: Europe/Rome, mon-fri: "09:00-18:00"}
  billing:
    hours: {timezone: Europe/Rome, mon-fri: "09:00-18:00"}
    sla: {business_hours: false}
sla:
  normal: 2h
  business_hours: true
`
	c, diags := config.Parse("baton.yaml", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	rome, _ := time.LoadLocation("Europe/Rome")
	for _, tt := range []struct {
		team, at, want string
	}{
		{"support", "2026-03-03 10:00", "within 2 hours"},
		{"support", "2026-03-03 17:30", "by tomorrow at 10:30 CET."},
		{"billing", "2026-03-03 17:30", "within 2 hours"},
	} {
		now, _ := time.ParseInLocation("2006-01-02 15:04", tt.at, rome)
		hd, err := newHelpdesk(&Deployment{All: c, Handoff: c.Handoff}, func() time.Time { return now }, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		h := &flows.Handoff{ID: "h-" + tt.team, Team: tt.team, Language: "en", CreatedAt: now}
		d, err := hd.router.Route(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		h.Team, h.Priority = d.Team, d.Priority
		c.SLA.Stamp(h)
		if !d.Due.IsZero() && !d.Due.Equal(h.FirstResponseDue) {
			t.Errorf("%s at %s: told %s, but the SLA is due %s", tt.team, tt.at, d.Due, h.FirstResponseDue)
		}
		if !strings.Contains(d.Message, tt.want) {
			t.Errorf("%s at %s (due %s): told %q, want %q", tt.team, tt.at, h.FirstResponseDue.In(rome).Format("Mon 15:04"), d.Message, tt.want)
		}
	}
}
