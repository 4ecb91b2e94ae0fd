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
	for _, tc := range []struct {
		n          int
		noun, want string
	}{
		{0, "step", "0 steps"}, {1, "step", "1 step"}, {2, "step", "2 steps"}, {1200, "step", "1200 steps"},
		{2, "directory", "2 directories"}, {1, "directory", "1 directory"}, {3, "reply", "3 replies"},
		{2, "day", "2 days"}, {2, "key", "2 keys"}, {2, "outbox item", "2 outbox items"},
	} {
		if got := Plural(tc.n, tc.noun); got != tc.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}
