package kpi

import (
	"strconv"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// TestRepeatCheckMemory: the ids kept to count an event read twice once
// cover the last repeatWindow and a half of the events' time, not the
// hour between sweeps: a large file or stream held 70 minutes of event
// ids. A repeat within the window is still found.
func TestRepeatCheckMemory(t *testing.T) {
	c := New(Options{Now: func() time.Time { return time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) }})
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	event := func(i int) *flows.Event {
		return &flows.Event{V: flows.EventSchema, ID: "e" + strconv.Itoa(i), Type: flows.EvMessageIn, At: t0.Add(time.Duration(i) * time.Second),
			Conversation: "conv" + strconv.Itoa(i%50), Contact: "c", Flow: "f", Channel: "web", Lang: "en"}
	}
	const n = 50 * 60 // an event a second for 50 minutes
	most := 0
	for i := range n {
		c.Add(event(i))
		most = max(most, len(c.seen))
	}
	if limit := int((repeatWindow + repeatWindow/2) / time.Second); most > limit+1 {
		t.Errorf("the repeat check held %d ids at most, want at most %d (a window and a half of events)", most, limit+1)
	}
	c.Add(event(n - 300)) // read again, 5 minutes later
	if c.repeated != 1 {
		t.Errorf("an event read again within the window counted %d times as a repeat, want once", c.repeated)
	}
}
