package handoff

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// underWay writes what the Sprintf it replaced wrote (freshdesk_open.go
// reads it back with underWayRE).
func TestUnderWay(t *testing.T) {
	at := time.Date(2026, 3, 3, 10, 31, 0, 5, time.FixedZone("CET", 3600))
	long := strings.Repeat("é", 200)
	for _, tc := range []struct {
		attempt int
		prev    string
	}{{1, ""}, {3, "HTTP 503"}, {12, long}} {
		want := fmt.Sprintf("attempt %d under way since %s", tc.attempt, at.UTC().Format(time.RFC3339))
		if tc.prev != "" {
			want += "; before: " + clip(tc.prev, 300)
		}
		if got := underWay(tc.attempt, at, tc.prev); got != want {
			t.Errorf("underWay(%d, %q) = %q, want %q", tc.attempt, tc.prev, got, want)
		}
		if tc.prev != "" && !underWayRE.MatchString(underWay(tc.attempt, at, tc.prev)) {
			t.Errorf("underWayRE does not read underWay(%d, …)", tc.attempt)
		}
	}
}
