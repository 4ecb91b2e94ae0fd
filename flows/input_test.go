package flows

import (
	"strings"
	"testing"
)

func TestTicketStatusKnown(t *testing.T) {
	for _, tc := range []struct {
		status TicketStatus
		known  bool
	}{
		{TicketOpen, true}, {TicketPending, true}, {TicketSolved, true}, {TicketClosed, true}, {TicketDeclined, true},
		{"", false}, {"Solved", false}, {"resolved", false}, {"hold", false},
	} {
		if got := tc.status.Known(); got != tc.known {
			t.Errorf("%q.Known() = %v, want %v", tc.status, got, tc.known)
		}
		if tc.known && !strings.Contains(TicketStatuses, string(tc.status)) {
			t.Errorf("TicketStatuses %q does not name %q", TicketStatuses, tc.status)
		}
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 steps", 1: "1 step", 2: "2 steps", 1200: "1200 steps"} {
		if got := Plural(n, "step"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}
