package dsl

import (
	"fmt"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // time zones work on hosts without zoneinfo

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

// dayNames by time.Weekday.
var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// hours converts `hours:`, calendars by name.
func (l *loader) hours(n *yaml.Node) {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.MappingNode {
		if !isNull(n) {
			l.errorf(n, "expected hours: a map from calendar name to its week, got %s", describe(n))
		}
		return
	}
	for _, p := range pairs(rn) {
		name, ok := l.name(p.key, "a calendar name")
		if !ok {
			continue
		}
		if first, dup := l.hoursPos[name]; dup {
			l.errorf(p.key, "calendar %q is defined twice: here and at %s; keep one", name, first)
			l.errAt(first, "calendar %q is defined twice: here and at %s; keep one", name, l.pos(p.key))
			continue
		}
		l.hoursPos[name] = l.pos(p.key)
		if b := l.calendar(name, p.key, p.val); b != nil {
			l.flow.Hours[name] = b
		}
	}
}

func (l *loader) calendar(name string, key, n *yaml.Node) *flows.BusinessHours {
	b := &flows.BusinessHours{Name: name, Pos: l.pos(key), Holidays: map[string]bool{}}
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.MappingNode {
		l.errorf(n, "expected calendar %q: a map with timezone: and days (mon-fri: \"09:00-18:00\"), got %s", name, describe(n))
		return nil
	}
	var dayWhere [7]*yaml.Node
	hasTZ := false
	keys := []string{"timezone", "holidays", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "mon-fri", "sat-sun"}
	for _, p := range pairs(rn) {
		k, ok := l.str(p.key, "a day or timezone:")
		if !ok {
			continue
		}
		switch k {
		case "timezone":
			hasTZ = true
			tz, ok := l.name(p.val, "a time zone")
			if !ok {
				continue
			}
			loc, err := time.LoadLocation(tz)
			if err != nil || tz == "Local" {
				l.errorf(p.val, "unknown time zone %q: use an IANA name like Europe/Rome or America/New_York", tz)
				continue
			}
			b.Location = loc
		case "holidays":
			dates, _ := l.list(p.val, "a list of dates (2026-12-25)")
			for _, d := range dates {
				s, ok := l.str(d, "a date (2026-12-25)")
				if !ok {
					continue
				}
				if _, err := time.Parse(time.DateOnly, s); err != nil {
					l.errorf(d, "bad holiday %q: write dates as YYYY-MM-DD, e.g. 2026-12-25", s)
					continue
				}
				b.Holidays[s] = true
			}
		default:
			days, ok := parseDays(k)
			if !ok {
				l.errorf(p.key, "unknown key %q in calendar %q%s", k, name, suggestKey(k, keys))
				continue
			}
			spans := l.spans(p.val)
			for _, d := range days {
				if prev := dayWhere[d]; prev != nil {
					l.errorf(p.key, "%s already has hours at line %d; give each day its hours once", dayNames[d], prev.Line)
					continue
				}
				dayWhere[d] = p.key
				b.Week[d] = spans
			}
		}
	}
	if !hasTZ {
		l.errorf(key, "calendar %q needs timezone: (an IANA name like Europe/Rome)", name)
	}
	return b
}

// parseDays reads "mon" or a range "mon-fri" (ranges may wrap: "fri-mon").
func parseDays(s string) ([]time.Weekday, bool) {
	idx := func(d string) int {
		for i, n := range dayNames {
			if n == strings.ToLower(strings.TrimSpace(d)) {
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

// spans reads "09:00-13:00, 14:00-18:00" (or a list of spans, or
// "closed").
func (l *loader) spans(n *yaml.Node) []flows.Span {
	var out []flows.Span
	check := func(node *yaml.Node, value string, off int, text string) {
		sp, msg := parseSpan(text)
		if msg != "" {
			l.errAt(l.file.posIn(node, value, off), "%s", msg)
			return
		}
		for _, o := range out {
			if sp.From < o.To && o.From < sp.To {
				l.errAt(l.file.posIn(node, value, off), "span %q overlaps another span of the same day", strings.TrimSpace(text))
				return
			}
		}
		out = append(out, sp)
	}
	items := []*yaml.Node{n}
	if rn := resolve(n); rn != nil && rn.Kind == yaml.SequenceNode {
		items = rn.Content
	}
	for _, it := range items {
		s, ok := l.str(it, `opening hours like "09:00-13:00, 14:00-18:00"`)
		if !ok {
			continue
		}
		if strings.EqualFold(strings.TrimSpace(s), "closed") {
			continue
		}
		rit := resolve(it)
		off := 0
		for _, part := range strings.Split(s, ",") {
			lead := len(part) - len(strings.TrimLeft(part, " \t"))
			check(rit, s, runeLen(s[:off+lead]), part)
			off += len(part) + 1
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From < out[j].From })
	return out
}

func runeLen(s string) int { return len([]rune(s)) }

// parseSpan reads "09:00-18:00"; the end may be 24:00.
func parseSpan(s string) (flows.Span, string) {
	s = strings.TrimSpace(s)
	bad := fmt.Sprintf("bad hours %q: write spans like \"09:00-13:00, 14:00-18:00\"", s)
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return flows.Span{}, bad
	}
	a, okA := clock(from)
	z, okZ := clock(to)
	if !okA || !okZ || a == 24*60 {
		return flows.Span{}, bad
	}
	if z <= a {
		return flows.Span{}, fmt.Sprintf("span %q ends before it starts; a span cannot cross midnight, split it (e.g. \"22:00-24:00\" and \"00:00-02:00\" the next day)", s)
	}
	return flows.Span{From: a, To: z}, ""
}

// clock reads HH:MM as minutes after midnight (24:00 allowed).
func clock(s string) (int, bool) {
	s = strings.TrimSpace(s)
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hh, mm := 0, 0
	for _, c := range h {
		if c < '0' || c > '9' {
			return 0, false
		}
		hh = hh*10 + int(c-'0')
	}
	for _, c := range m {
		if c < '0' || c > '9' {
			return 0, false
		}
		mm = mm*10 + int(c-'0')
	}
	if mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}
