package sla

import (
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

func TestAuditAddOpen(t *testing.T) {
	rome, _ := time.LoadLocation("Europe/Rome")
	b := &flows.BusinessHours{Location: rome, Holidays: map[string]bool{"2026-04-06": true}}
	for d := time.Monday; d <= time.Friday; d++ {
		b.Week[d] = []flows.Span{{From: 540, To: 1080}}
	}
	b.Week[time.Sunday] = []flows.Span{{From: 0, To: 1440}}
	at := func(s string) time.Time { v, _ := time.ParseInLocation("2006-01-02 15:04:05", s, rome); return v }
	tests := []struct {
		start string
		d     time.Duration
		want  string
	}{
		{"2026-03-03 17:59:59", 2 * time.Hour, "2026-03-04 10:59:59"},
		{"2026-03-03 18:00:00", 2 * time.Hour, "2026-03-04 11:00:00"},
		{"2026-03-06 20:30:00", 2 * time.Hour, "2026-03-08 02:00:00"}, // Sunday open all day
		{"2026-03-28 23:00:00", 3 * time.Hour, "2026-03-29 04:00:00"}, // spring: 02-03 missing, 3h open = 00,01,03
		{"2026-10-24 23:00:00", 3 * time.Hour, "2026-10-25 02:00:00"}, // fall back: 02:00 CEST happens... 00->01->02(CEST)
		{"2026-04-03 18:30:00", time.Hour, "2026-04-05 01:00:00"},
		{"2026-04-05 23:30:00", time.Hour, "2026-04-07 09:30:00"}, // Easter Monday holiday
	}
	for _, tt := range tests {
		got := AddOpen(b, at(tt.start), tt.d)
		if !got.Equal(at(tt.want)) {
			t.Errorf("AddOpen(%s, %v) = %v, want %s", tt.start, tt.d, got.In(rome), tt.want)
		}
	}
}
