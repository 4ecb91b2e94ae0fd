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
