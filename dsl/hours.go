package dsl

import (
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // time zones work on hosts without zoneinfo

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

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
		if !l.define(l.hoursPos, p.key, "calendar %q is defined twice: here and at %s; keep one", name) {
			continue
		}
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
				l.tzBroken = l.tzBroken || name == "default"
				continue
			}
			loc, err := time.LoadLocation(tz)
			if err != nil || tz == "Local" {
				l.errorf(p.val, "unknown time zone %q: use an IANA name like Europe/Rome or America/New_York", tz)
				l.tzBroken = l.tzBroken || name == "default"
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
			days, ok := flows.ParseDays(k)
			if !ok {
				l.errorf(p.key, "unknown key %q in calendar %q%s", k, name, suggestKey(k, keys))
				continue
			}
			spans := l.spans(p.val)
			for _, d := range days {
				if prev := dayWhere[d]; prev != nil {
					l.errorf(p.key, "%s already has hours at line %d; give each day its hours once", flows.Weekdays[d], prev.Line)
					continue
				}
				dayWhere[d] = p.key
				b.Week[d] = spans
			}
		}
	}
	if !hasTZ {
		l.errorf(key, "calendar %q needs timezone: (an IANA name like Europe/Rome)", name)
		l.tzBroken = l.tzBroken || name == "default"
	}
	return b
}

// spans reads "09:00-13:00, 14:00-18:00" (or a list of spans, or
// "closed").
func (l *loader) spans(n *yaml.Node) []flows.Span {
	var out []flows.Span
	check := func(node *yaml.Node, value string, off int, text string) {
		sp, err := flows.ParseSpan(text)
		if err != nil {
			// At the part that is wrong: the end of "18:00-25:00".
			if se, ok := err.(*flows.SpanError); ok {
				off += runeLen(text[:min(se.Offset, len(text))]) - runeLen(text[:len(text)-len(strings.TrimLeft(text, " \t"))])
			}
			l.errAt(l.file.posIn(node, value, off), "%s", err)
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
