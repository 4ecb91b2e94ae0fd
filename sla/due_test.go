package sla

import (
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

func rome(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// officeHours: mon-fri 09:00-13:00 and 14:00-18:00, a holiday on
// 2026-04-06 (Easter Monday).
func officeHours(loc *time.Location) *flows.BusinessHours {
	b := &flows.BusinessHours{Location: loc, Holidays: map[string]bool{"2026-04-06": true}}
	for d := time.Monday; d <= time.Friday; d++ {
		b.Week[d] = []flows.Span{{From: 9 * 60, To: 13 * 60}, {From: 14 * 60, To: 18 * 60}}
	}
	return b
}

func TestAddOpen(t *testing.T) {
	loc := rome(t)
	b := officeHours(loc)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		start string
		d     time.Duration
		want  string
	}{
		{"2026-03-03 10:00", time.Hour, "2026-03-03 11:00"},        // open all along
		{"2026-03-03 12:30", time.Hour, "2026-03-03 14:30"},        // lunch break does not count
		{"2026-03-03 17:30", 2 * time.Hour, "2026-03-04 10:30"},    // the night does not count
		{"2026-03-06 17:00", 2 * time.Hour, "2026-03-09 10:00"},    // Friday to Monday
		{"2026-03-07 20:00", 30 * time.Minute, "2026-03-09 09:30"}, // asked on a Saturday night
		{"2026-04-03 17:00", 2 * time.Hour, "2026-04-07 10:00"},    // Easter Monday is closed
		{"2026-03-03 10:00", 8 * time.Hour, "2026-03-04 10:00"},    // one working day
		{"2026-03-03 18:00", time.Minute, "2026-03-04 09:01"},      // right at closing
		{"2026-03-28 17:00", 2 * time.Hour, "2026-03-30 11:00"},    // across the DST change (Sunday 29th)
	}
	for _, tt := range tests {
		got := AddOpen(b, at(tt.start), tt.d)
		if !got.Equal(at(tt.want)) {
			t.Errorf("AddOpen(%s, %s) = %s, want %s", tt.start, tt.d, got.In(loc).Format("2006-01-02 15:04 Mon"), tt.want)
		}
	}
	if got := AddOpen(&flows.BusinessHours{Location: loc}, at("2026-03-03 10:00"), time.Hour); !got.IsZero() {
		t.Errorf("a calendar that never opens: %s, want zero", got)
	}
}

func TestTableStamp(t *testing.T) {
	loc := rome(t)
	tab := &Table{
		Default: Policy{FirstResponse: map[flows.Priority]time.Duration{flows.PriorityHigh: time.Hour, flows.PriorityNormal: 2 * time.Hour},
			Resolution: map[flows.Priority]time.Duration{flows.PriorityHigh: 8 * time.Hour}},
		Teams: map[string]Policy{"billing": {FirstResponse: map[flows.Priority]time.Duration{flows.PriorityNormal: 4 * time.Hour},
			Hours: officeHours(loc), BusinessHours: true}},
	}
	start := time.Date(2026, 3, 3, 17, 0, 0, 0, loc)
	h := &flows.Handoff{Team: "support", Priority: flows.PriorityHigh, CreatedAt: start}
	tab.Stamp(h)
	if !h.FirstResponseDue.Equal(start.Add(time.Hour)) || !h.ResolutionDue.Equal(start.Add(8*time.Hour)) {
		t.Errorf("support high: %s %s", h.FirstResponseDue, h.ResolutionDue)
	}
	h = &flows.Handoff{Team: "billing", Priority: flows.PriorityNormal, CreatedAt: start}
	tab.Stamp(h)
	if want := time.Date(2026, 3, 4, 12, 0, 0, 0, loc); !h.FirstResponseDue.Equal(want) || !h.ResolutionDue.IsZero() {
		t.Errorf("billing normal (business hours): %s, want %s; resolution %s", h.FirstResponseDue, want, h.ResolutionDue)
	}
	h = &flows.Handoff{Team: "billing", Priority: flows.PriorityHigh, CreatedAt: start.Add(30 * time.Minute)}
	tab.Stamp(h)
	if want := time.Date(2026, 3, 4, 9, 30, 0, 0, loc); !h.FirstResponseDue.Equal(want) {
		t.Errorf("billing high falls back to the default target on the team's clock: %s, want %s", h.FirstResponseDue, want)
	}
	h = &flows.Handoff{Team: "support", Priority: flows.PriorityLow, CreatedAt: start}
	tab.Stamp(h)
	if !h.FirstResponseDue.IsZero() {
		t.Errorf("no target for low: %s", h.FirstResponseDue)
	}
}

// TestThresholdsInBusinessHours: with a policy that counts business
// hours, the 80% alert falls at 80% of the open time, not of the night:
// a 2-hour target asked Tuesday at 17:30 is due Wednesday at 10:30, and
// its 80% (96 open minutes) is Wednesday at 10:06, not 07:06 before the
// office opens.
func TestThresholdsInBusinessHours(t *testing.T) {
	loc := rome(t)
	table := &Table{Default: Policy{FirstResponse: map[flows.Priority]time.Duration{flows.PriorityHigh: 2 * time.Hour},
		Hours: officeHours(loc), BusinessHours: true}}
	start := time.Date(2026, 3, 3, 17, 30, 0, 0, loc)
	first, _ := table.Policy("support").Due(start, flows.PriorityHigh)
	ref := &flows.HandoffRef{ID: "h1", Team: "support", Priority: flows.PriorityHigh, At: start, FirstResponseDue: first}
	next := &flows.Session{ID: "c1", Lifecycle: flows.LifecycleHandedOff, Handoff: ref}

	w := NewWatcher(nil, nil, WatchTable(table))
	var c flows.Commit
	w.Commit(nil, next, &c)
	if want := time.Date(2026, 3, 4, 10, 6, 0, 0, loc); len(c.Timers) != 1 || !c.Timers[0].At.Equal(want) {
		t.Fatalf("timers %+v, want the 80%% one at %s", c.Timers, want)
	}
	if got := w.at(ref, 100); !got.Equal(first) {
		t.Errorf("100%% at %s, want the due time %s", got, first)
	}
	// A table that no longer gives the stamped due time: shares of the
	// wall time, as without a table.
	ref2 := *ref
	ref2.FirstResponseDue = start.Add(time.Hour)
	if got := w.at(&ref2, 80); !got.Equal(start.Add(48 * time.Minute)) {
		t.Errorf("80%% of a due time the table does not give: %s", got)
	}
}

// TestAddOpenSpanOrder: the config takes a day's spans in the order
// written ("14:00-18:00, 09:00-13:00") and may let them overlap; the
// open time is the same as with the spans sorted and merged.
func TestAddOpenSpanOrder(t *testing.T) {
	loc := rome(t)
	b := &flows.BusinessHours{Location: loc}
	b.Week[time.Tuesday] = []flows.Span{{From: 14 * 60, To: 18 * 60}, {From: 9 * 60, To: 13 * 60}}
	b.Week[time.Wednesday] = []flows.Span{{From: 9 * 60, To: 13 * 60}, {From: 12 * 60, To: 14 * 60}}
	start := time.Date(2026, 3, 3, 10, 0, 0, 0, loc) // Tuesday
	for _, tt := range []struct {
		d    time.Duration
		want time.Time
	}{
		{time.Hour, time.Date(2026, 3, 3, 11, 0, 0, 0, loc)},
		{4 * time.Hour, time.Date(2026, 3, 3, 15, 0, 0, 0, loc)},
		// Wednesday is open 09:00-14:00: 5 hours, not 6.
		{12 * time.Hour, time.Date(2026, 3, 4, 14, 0, 0, 0, loc)},
	} {
		if got := AddOpen(b, start, tt.d); !got.Equal(tt.want) {
			t.Errorf("AddOpen(Tue 10:00, %s) = %s, want %s", tt.d, got.In(loc).Format("Mon 15:04"), tt.want.Format("Mon 15:04"))
		}
	}
}
