package flows

import "time"

// BusinessHours is a weekly calendar in a time zone, with holidays.
type BusinessHours struct {
	Name     string
	Pos      Pos
	Location *time.Location
	// Week holds the open spans per weekday (index time.Sunday = 0).
	Week [7][]Span
	// Holidays are closed dates, "2006-01-02" in Location.
	Holidays map[string]bool
}

// Span is an open interval [From, To) in minutes after midnight.
type Span struct {
	From, To int
}

// Open reports whether the calendar is open at t.
func (b *BusinessHours) Open(t time.Time) bool {
	if b == nil {
		return true
	}
	loc := b.Location
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if b.Holidays[t.Format(time.DateOnly)] {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	for _, s := range b.Week[t.Weekday()] {
		if s.From <= m && m < s.To {
			return true
		}
	}
	return false
}

// NextOpen returns the first moment at or after t when the calendar is
// open, looking at most two weeks ahead; the zero time if it never opens.
func (b *BusinessHours) NextOpen(t time.Time) time.Time {
	if b.Open(t) {
		return t
	}
	loc := b.Location
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	for i := 0; i < 15; i++ {
		d := day.AddDate(0, 0, i)
		if b.Holidays[d.Format(time.DateOnly)] {
			continue
		}
		for _, s := range b.Week[d.Weekday()] {
			start := d.Add(time.Duration(s.From) * time.Minute)
			end := d.Add(time.Duration(s.To) * time.Minute)
			if end.After(t) {
				if start.Before(t) {
					return t
				}
				return start
			}
		}
	}
	return time.Time{}
}
