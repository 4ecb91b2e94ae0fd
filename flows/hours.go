package flows

import (
	"fmt"
	"strings"
	"time"
)

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

// nextOpenDays bounds NextOpen's walk: a year and a month, past the
// longest closure a team announces (an August or Christmas shutdown
// spans weeks).
const nextOpenDays = 400

// NextOpen returns the first moment at or after t when the calendar is
// open, looking at most nextOpenDays ahead; the zero time if it never
// opens.
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
	for i := 0; i < nextOpenDays; i++ {
		d := day.AddDate(0, 0, i)
		if b.Holidays[d.Format(time.DateOnly)] {
			continue
		}
		// The earliest span still ahead: spans may be listed in any order.
		var first time.Time
		for _, s := range b.Week[d.Weekday()] {
			// Wall-clock minutes, not a duration from midnight: on the
			// nights clocks change a day is 23 or 25 hours long.
			start := time.Date(d.Year(), d.Month(), d.Day(), 0, s.From, 0, 0, loc)
			end := time.Date(d.Year(), d.Month(), d.Day(), 0, s.To, 0, 0, loc)
			if end.After(t) {
				if start.Before(t) {
					return t
				}
				if first.IsZero() || start.Before(first) {
					first = start
				}
			}
		}
		if !first.IsZero() {
			return first
		}
	}
	return time.Time{}
}

// Weekdays are the day names calendars are written with, Sunday first as
// in time.Weekday.
var Weekdays = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseDays reads a day ("mon") or a range of days ("mon-fri"; ranges may
// wrap: "fri-mon"), case-insensitively.
func ParseDays(s string) ([]time.Weekday, bool) {
	idx := func(d string) int {
		d = strings.ToLower(strings.TrimSpace(d))
		for i, n := range Weekdays {
			if n == d {
				return i
			}
		}
		return -1
	}
	from, to, isRange := strings.Cut(s, "-")
	a := idx(from)
	if a < 0 {
		return nil, false
	}
	if !isRange {
		return []time.Weekday{time.Weekday(a)}, true
	}
	z := idx(to)
	if z < 0 {
		return nil, false
	}
	var out []time.Weekday
	for d := a; ; d = (d + 1) % 7 {
		out = append(out, time.Weekday(d))
		if d == z {
			return out, true
		}
	}
}

// SpanError is a span ParseSpan cannot read: what is wrong, and where the
// wrong part starts in the text given (Offset, in bytes), so a loader can
// point at it.
type SpanError struct {
	Offset int
	Msg    string
}

func (e *SpanError) Error() string { return e.Msg }

// badSpan is the error of a span with a wrong part at off.
func badSpan(span string, off int, why string) *SpanError {
	return &SpanError{Offset: off, Msg: fmt.Sprintf("bad hours %q: %s; write spans like \"09:00-13:00, 14:00-18:00\" (hours 00 to 24, minutes 00 to 59, 24:00 only as an end)", span, why)}
}

// ParseSpan reads an open span "HH:MM-HH:MM" (24:00 allowed as an end). The
// error (a *SpanError when a time is wrong) says which part is wrong and
// how to write it.
func ParseSpan(s string) (Span, error) {
	lead := len(s) - len(strings.TrimLeft(s, " \t"))
	span := strings.TrimSpace(s)
	from, to, ok := strings.Cut(span, "-")
	if !ok {
		return Span{}, badSpan(span, lead, `a span is a start and an end joined by "-"`)
	}
	a, why := parseClock(from)
	if why != "" {
		return Span{}, badSpan(span, lead+trimmedAt(from), fmt.Sprintf("the start %q %s", strings.TrimSpace(from), why))
	}
	if a == 24*60 {
		return Span{}, badSpan(span, lead+trimmedAt(from), `the start "24:00" is midnight at the end of the day: 24:00 only ends a span; start at 00:00`)
	}
	z, why := parseClock(to)
	if why != "" {
		return Span{}, badSpan(span, lead+len(from)+1+trimmedAt(to), fmt.Sprintf("the end %q %s", strings.TrimSpace(to), why))
	}
	if z <= a {
		return Span{}, &SpanError{Offset: lead, Msg: fmt.Sprintf("span %q ends before it starts; a span cannot cross midnight, split it (e.g. \"22:00-24:00\" and \"00:00-02:00\" the next day)", span)}
	}
	return Span{From: a, To: z}, nil
}

// trimmedAt is where s starts once its leading blanks are trimmed.
func trimmedAt(s string) int { return len(s) - len(strings.TrimLeft(s, " \t")) }

// parseClock reads HH:MM as minutes after midnight (24:00 allowed); else
// it says what is wrong with it.
func parseClock(s string) (int, string) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, "is not a time: write it as HH:MM, like 09:00"
	}
	hh, mm := 0, 0
	for _, c := range h + m {
		if c < '0' || c > '9' {
			return 0, "is not a time: write it as HH:MM, like 09:00"
		}
	}
	for _, c := range h {
		hh = hh*10 + int(c-'0')
	}
	for _, c := range m {
		mm = mm*10 + int(c-'0')
	}
	switch {
	case hh > 24:
		return 0, fmt.Sprintf("has hour %d, past 24", hh)
	case mm > 59:
		return 0, fmt.Sprintf("has minute %d, past 59", mm)
	case hh == 24 && mm != 0:
		return 0, "is past midnight: 24:00 is the latest end"
	}
	return hh*60 + mm, ""
}
