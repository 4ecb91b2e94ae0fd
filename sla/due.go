package sla

import (
	"slices"
	"time"

	"github.com/batonbot/baton/flows"
)

// Policy is one team's service-level targets.
type Policy struct {
	// FirstResponse and Resolution are the targets per priority; a
	// priority absent has none.
	FirstResponse map[flows.Priority]time.Duration
	Resolution    map[flows.Priority]time.Duration
	// Hours is the team's calendar (nil: always open).
	Hours *flows.BusinessHours
	// BusinessHours makes the clock run only while Hours is open: a
	// 2-hour target given at 17:30 by a team open until 18:00 falls due
	// at 10:30 the next morning (open at 9:00).
	BusinessHours bool
}

// Table is the deployment's targets: Default, overridden per team.
type Table struct {
	Default Policy
	Teams   map[string]Policy
}

// Policy returns team's policy: the team's own targets, each priority
// falling back to the default table's, and the team's calendar.
func (t *Table) Policy(team string) Policy {
	if t == nil {
		return Policy{}
	}
	p, ok := t.Teams[team]
	if !ok {
		return t.Default
	}
	merged := Policy{Hours: p.Hours, BusinessHours: p.BusinessHours,
		FirstResponse: map[flows.Priority]time.Duration{}, Resolution: map[flows.Priority]time.Duration{}}
	for _, m := range []struct {
		dst, def, own map[flows.Priority]time.Duration
	}{
		{merged.FirstResponse, t.Default.FirstResponse, p.FirstResponse},
		{merged.Resolution, t.Default.Resolution, p.Resolution},
	} {
		for k, v := range m.def {
			m.dst[k] = v
		}
		for k, v := range m.own {
			m.dst[k] = v
		}
	}
	return merged
}

// Due returns the first-response and resolution due times of a handoff
// of priority p requested at start; zero for a target the policy lacks.
func (p Policy) Due(start time.Time, prio flows.Priority) (firstResponse, resolution time.Time) {
	add := func(d time.Duration) time.Time {
		if d <= 0 {
			return time.Time{}
		}
		if p.BusinessHours && p.Hours != nil {
			return AddOpen(p.Hours, start, d)
		}
		return start.Add(d)
	}
	return add(p.FirstResponse[prio]), add(p.Resolution[prio])
}

// Wait returns how long, on the wall clock, a wait of d on the policy's
// clock lasts from start: d itself, or, with business hours, until d of
// open time has passed (2 hours from 17:30, open until 18:00 and from
// 9:00, is 17 hours). d when the team does not open within a year.
func (p Policy) Wait(start time.Time, d time.Duration) time.Duration {
	if d <= 0 || !p.BusinessHours || p.Hours == nil {
		return d
	}
	if due := AddOpen(p.Hours, start, d); !due.IsZero() {
		return due.Sub(start)
	}
	return d
}

// Stamp sets h's due times from the table, for its team and priority,
// counted from its creation.
func (t *Table) Stamp(h *flows.Handoff) {
	if t == nil || h == nil {
		return
	}
	h.FirstResponseDue, h.ResolutionDue = t.Policy(h.Team).Due(h.CreatedAt, h.Priority)
}

// maxDays bounds the calendar walk of AddOpen.
const maxDays = 400

// AddOpen returns the time when d of open time has passed after start
// on calendar b: the closed time (nights, weekends, holidays) does not
// count. Zero when b does not open within a year.
func AddOpen(b *flows.BusinessHours, start time.Time, d time.Duration) time.Time {
	if b == nil {
		return start.Add(d)
	}
	loc := b.Location
	if loc == nil {
		loc = time.UTC
	}
	t := start.In(loc)
	y, m, dd := t.Date()
	for i := range maxDays {
		day := time.Date(y, m, dd+i, 0, 0, 0, 0, loc)
		if b.Holidays[day.Format(time.DateOnly)] {
			continue
		}
		// The spans in time order; t moves past each, so spans that
		// overlap count their common time once.
		spans := slices.SortedFunc(slices.Values(b.Week[day.Weekday()]), func(a, b flows.Span) int { return a.From - b.From })
		for _, s := range spans {
			from := time.Date(day.Year(), day.Month(), day.Day(), 0, s.From, 0, 0, loc)
			to := time.Date(day.Year(), day.Month(), day.Day(), 0, s.To, 0, 0, loc)
			if !to.After(t) {
				continue
			}
			if from.Before(t) {
				from = t
			}
			if open := to.Sub(from); d <= open {
				return from.Add(d).In(start.Location())
			} else {
				d -= open
			}
			t = to
		}
	}
	return time.Time{}
}
