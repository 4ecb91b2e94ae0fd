package host

import (
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sla"
)

// TestSLAInfoBusinessHours: with business_hours: true, the expected wait a
// transfer message tells ({{ sla.first_response }}) runs to the due time
// the SLA computes, not the target on the wall clock.
func TestSLAInfoBusinessHours(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	hours := &flows.BusinessHours{Location: rome}
	for d := time.Monday; d <= time.Friday; d++ {
		hours.Week[d] = []flows.Span{{From: 9 * 60, To: 18 * 60}}
	}
	table := &sla.Table{
		Default: sla.Policy{FirstResponse: map[flows.Priority]time.Duration{flows.PriorityNormal: 2 * time.Hour}},
		Teams: map[string]sla.Policy{
			"support": {Hours: hours, BusinessHours: true},
			"billing": {Hours: hours},
		},
	}
	h := &Host{queue: sla.NewQueue(table), slaTable: table}
	tests := []struct {
		team, at string
		told     string
		minutes  int
		// by is the due time, told when closed hours stretch the wait
		// ("by Monday at 10:30", not "within 65 hours"); the team's zone
		// is named unless the customer reads the same clock, as the
		// handoff's {due} and {opens} tell it.
		by      string
		contact flows.Contact
		channel string
	}{
		{"support", "2026-03-03 10:00", "2 hours", 120, "", flows.Contact{}, "web"},
		{"support", "2026-03-03 17:30", "17 hours", 17 * 60, "tomorrow at 10:30 CET", flows.Contact{}, "web"}, // due 10:30 the next day; the customer unknown
		{"support", "2026-03-06 17:30", "65 hours", 3900, "Monday at 10:30 CET", flows.Contact{}, "web"},      // Friday: due Monday 10:30
		{"billing", "2026-03-03 17:30", "2 hours", 120, "", flows.Contact{}, "web"},                           // the clock runs all night
		// Before opening: due later today, "by 11:00 today".
		{"support", "2026-03-03 07:30", "3 hours and 30 minutes", 210, "11:00 CET today", flows.Contact{}, "web"},
		{"support", "2026-03-03 07:30", "3 hours and 30 minutes", 210, "11:00 today", flows.Contact{Phone: "+39 333 123 4567"}, "web"},
		// The customer reads the team's clock: no zone.
		{"support", "2026-03-06 17:30", "65 hours", 3900, "Monday at 10:30", flows.Contact{Phone: "+39 333 123 4567"}, "web"},
		{"support", "2026-03-06 17:30", "65 hours", 3900, "Monday at 10:30", flows.Contact{ID: "393331234567"}, "whatsapp"},
		{"support", "2026-03-06 17:30", "65 hours", 3900, "Monday at 10:30", flows.Contact{Phone: "+49 30 1234567"}, "web"},
		{"support", "2026-03-06 17:30", "65 hours", 3900, "Monday at 10:30", flows.Contact{Phone: "+1 212 555 0100", Meta: map[string]string{"timezone": "Europe/Berlin"}}, "web"},
		{"support", "2026-03-06 17:30", "65 hours", 3900, "Monday at 10:30", flows.Contact{Meta: map[string]string{"country": "fr"}}, "telegram"},
		// Another clock: the team's zone is named.
		{"support", "2026-03-06 17:30", "65 hours", 3900, "Monday at 10:30 CET", flows.Contact{Phone: "+44 20 7946 0000"}, "web"},
		{"support", "2026-03-06 17:30", "65 hours", 3900, "Monday at 10:30 CET", flows.Contact{Phone: "+39 333 123 4567", Meta: map[string]string{"timezone": "America/Bogota"}}, "web"},
		{"support", "2026-03-06 17:30", "65 hours", 3900, "Monday at 10:30 CET", flows.Contact{ID: "393331234567"}, "telegram"}, // an id, not a number
	}
	for _, tt := range tests {
		now, err := time.ParseInLocation("2006-01-02 15:04", tt.at, rome)
		if err != nil {
			t.Fatal(err)
		}
		s := &flows.Session{Contact: tt.contact, Channel: tt.channel, Lang: "en"}
		m := h.slaInfo(tt.team, flows.PriorityNormal, "en", now, s)
		due, _ := table.Policy(tt.team).Due(now, flows.PriorityNormal)
		if got := m["first_response_minutes"]; got != tt.minutes || due.Sub(now) != time.Duration(tt.minutes)*time.Minute {
			t.Errorf("%s at %s: first_response_minutes %v, want %d (due %s)", tt.team, tt.at, got, tt.minutes, due.In(rome))
		}
		if got := m["first_response"]; got != tt.told {
			t.Errorf("%s at %s: first_response %q, want %q", tt.team, tt.at, got, tt.told)
		}
		if got := m["first_response_by"]; got != tt.by {
			t.Errorf("%s at %s, %+v on %s: first_response_by %q, want %q", tt.team, tt.at, tt.contact, tt.channel, got, tt.by)
		}
	}
}
