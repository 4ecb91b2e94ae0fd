package flows

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Rome on hosts without zoneinfo, never a skip
)

func TestParseDays(t *testing.T) {
	tests := []struct {
		in   string
		want []time.Weekday
		ok   bool
	}{
		{"mon", []time.Weekday{time.Monday}, true},
		{"Mon-Fri", []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, true},
		{"fri-mon", []time.Weekday{time.Friday, time.Saturday, time.Sunday, time.Monday}, true},
		{"mon-fry", nil, false},
		{"weekdays", nil, false},
	}
	for _, tt := range tests {
		got, ok := ParseDays(tt.in)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("ParseDays(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseSpan(t *testing.T) {
	tests := []struct {
		in      string
		want    Span
		wantErr string
	}{
		{"09:00-18:00", Span{540, 1080}, ""},
		{" 9:30 - 24:00 ", Span{570, 1440}, ""},
		{"18:00-09:00", Span{}, "ends before it starts"},
		{"9-18", Span{}, `write spans like "09:00-13:00, 14:00-18:00"`},
		{"24:00-24:00", Span{}, `the start "24:00" is midnight at the end of the day: 24:00 only ends a span; start at 00:00`},
		{"09:60-10:00", Span{}, `the start "09:60" has minute 60, past 59`},
		{"18:00-25:00", Span{}, `bad hours "18:00-25:00": the end "25:00" has hour 25, past 24; write spans like "09:00-13:00, 14:00-18:00" (hours 00 to 24, minutes 00 to 59, 24:00 only as an end)`},
		{"18:00-24:30", Span{}, `the end "24:30" is past midnight: 24:00 is the latest end`},
		{"9.00-18:00", Span{}, `the start "9.00" is not a time: write it as HH:MM, like 09:00`},
		{"0900", Span{}, `a span is a start and an end joined by "-"`},
	}
	for _, tt := range tests {
		got, err := ParseSpan(tt.in)
		if tt.wantErr == "" && (err != nil || got != tt.want) {
			t.Errorf("ParseSpan(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("ParseSpan(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
		}
	}
}

// A span's error says where in the text the wrong part starts, so a
// loader can point at it.
func TestParseSpanErrorOffset(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"18:00-25:00", 6},
		{" 18:00 - 25:00", 9},
		{"09:75-10:00", 0},
		{"  0900", 2},
		{"18:00-09:00", 0},
	}
	for _, tt := range tests {
		_, err := ParseSpan(tt.in)
		var se *SpanError
		if !errors.As(err, &se) || se.Offset != tt.want {
			t.Errorf("ParseSpan(%q) error = %#v, want a *SpanError at offset %d", tt.in, err, tt.want)
		}
	}
}

func TestBusinessHoursOpen(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	b := &BusinessHours{Location: rome, Holidays: map[string]bool{"2026-12-25": true}}
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday} {
		b.Week[d] = []Span{{540, 780}, {840, 1080}}
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, rome)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		at   string
		open bool
		next string
	}{
		{"2026-03-03 10:30", true, "2026-03-03 10:30"},
		{"2026-03-03 13:30", false, "2026-03-03 14:00"}, // lunch
		{"2026-03-06 18:00", false, "2026-03-09 09:00"}, // Friday evening → Monday
		{"2026-12-25 10:00", false, "2026-12-28 09:00"}, // Christmas (Friday)
	}
	for _, tt := range tests {
		if got := b.Open(at(tt.at)); got != tt.open {
			t.Errorf("Open(%s) = %v, want %v", tt.at, got, tt.open)
		}
		if got := b.NextOpen(at(tt.at)); !got.Equal(at(tt.next)) {
			t.Errorf("NextOpen(%s) = %v, want %s", tt.at, got, tt.next)
		}
	}
}

// TestBusinessHoursNextOpenDST: on the nights clocks change (Europe/Rome,
// last Sunday of March and of October) a team open on Sundays opens at
// its written time, not an hour off.
func TestBusinessHoursNextOpenDST(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	b := &BusinessHours{Location: rome}
	b.Week[time.Sunday] = []Span{{540, 780}}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, rome)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct{ at, next string }{
		{"2026-03-29 01:00", "2026-03-29 09:00"}, // spring forward at 02:00
		{"2026-03-29 08:30", "2026-03-29 09:00"},
		{"2026-10-25 01:00", "2026-10-25 09:00"}, // fall back at 03:00
		{"2026-10-25 08:30", "2026-10-25 09:00"},
		{"2026-10-24 12:00", "2026-10-25 09:00"},
	}
	for _, tt := range tests {
		if got := b.NextOpen(at(tt.at)); !got.Equal(at(tt.next)) {
			t.Errorf("NextOpen(%s) = %v, want %s", tt.at, got.In(rome), tt.next)
		}
	}
}
