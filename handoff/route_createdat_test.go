package handoff

import (
	"context"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// TestRouteAtHandoffTime: the router reads business hours at the
// handoff's own time (CreatedAt, the turn's time the flow's in_hours read),
// not at the moment it runs: a handoff made at 17:59:59 and routed at
// 18:00:05 is in hours, and one made at 18:00 is not even if routed
// earlier by a slow clock.
func TestRouteAtHandoffTime(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	at := func(hms string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", "2025-03-10 "+hms, rome) // a Monday
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tt := range []struct {
		created, routed string
		inHours         bool
	}{
		{"17:59:59", "18:00:05", true},
		{"18:00:00", "17:59:58", false},
		{"", "18:00:05", false}, // no CreatedAt: the router's clock
	} {
		r := newTestRouter(t, routeTestConfig(t), at(tt.routed))
		h := &flows.Handoff{ID: "h-" + tt.created, Team: "billing", Language: "it"}
		if tt.created != "" {
			h.CreatedAt = at(tt.created)
		}
		d, err := r.Route(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		if d.InHours != tt.inHours || h.InHours != tt.inHours || d.OpenTicket != true {
			t.Errorf("made at %q, routed at %s: in_hours %v (handoff %v), open ticket %v; want in_hours %v (message %q)",
				tt.created, tt.routed, d.InHours, h.InHours, d.OpenTicket, tt.inHours, d.Message)
		}
	}
}
