package entity

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

type timeNow = time.Time

const dateLayout = "2006-01-02"

func (x *extraction) today() time.Time {
	n := x.now
	if n.IsZero() {
		n = time.Now()
	}
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, n.Location())
}

// dayMonth builds a date; a date without a year is this year's, or next
// year's when it has passed.
func (x *extraction) dayMonth(day, month, year int) (time.Time, bool) {
	today := x.today()
	explicit := year != 0
	if year == 0 {
		year = today.Year()
	} else if year < 100 {
		year += 2000
	}
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, today.Location())
	if d.Day() != day { // 31 April
		return time.Time{}, false
	}
	if !explicit && d.Before(today) {
		d = d.AddDate(1, 0, 0)
	}
	return d, true
}

func (x *extraction) isoDate(m []string) (string, string, bool) {
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	t, ok := x.dayMonth(d, mo, y)
	if !ok {
		return "", "", false
	}
	return flows.EntityDate, t.Format(dateLayout), true
}

// numericDate reads 12/03 and 12/03/2026: day first in Italian and
// Spanish, month first in English when it can be.
func (x *extraction) numericDate(m []string) (string, string, bool) {
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	y := 0
	if m[3] != "" {
		y, _ = strconv.Atoi(m[3])
	}
	day, month := a, b
	if x.lang == "en" && a <= 12 {
		day, month = b, a
	}
	t, ok := x.dayMonth(day, month, y)
	if !ok {
		t, ok = x.dayMonth(month, day, y) // the other order, when only it fits
	}
	if !ok {
		return "", "", false
	}
	return flows.EntityDate, t.Format(dateLayout), true
}

// clockTime reads 20:30, 8:30pm, 8.30 am, 20h30, 8pm.
func (x *extraction) clockTime(m []string) (string, string, bool) {
	var h, min int
	var ampm string
	if m[1] != "" {
		if m[2] == "." && m[4] == "" {
			return "", "", false // 8.30 is a number unless am or pm follows
		}
		h, _ = strconv.Atoi(m[1])
		min, _ = strconv.Atoi(m[3])
		ampm = m[4]
	} else {
		h, _ = strconv.Atoi(m[5])
		ampm = m[6]
	}
	switch {
	case ampm == "p" || ampm == "P":
		if h < 12 {
			h += 12
		}
	case (ampm == "a" || ampm == "A") && h == 12:
		h = 0
	}
	if h == 24 {
		h = 0
	}
	if h > 23 || min > 59 {
		return "", "", false
	}
	return flows.EntityTime, fmt.Sprintf("%02d:%02d", h, min), true
}

// date reads a relative day ("domani", "day after tomorrow"), a weekday
// ("sabato", "next Friday", "el próximo viernes"), a day count ("tra 3
// giorni", "in 3 days") or a day and month ("12 marzo", "March 12th",
// "12 de marzo de 2026").
func (x *extraction) date(i int) int {
	if d, n := x.readDate(i); n > 0 {
		return x.emitToks(flows.EntityDate, d.Format(dateLayout), i, n)
	}
	return 0
}

func (x *extraction) readDate(i int) (time.Time, int) {
	today := x.today()
	// "por la mañana" is the morning, not tomorrow.
	if x.lang == "es" && x.word(i) == "manana" && (x.word(i-1) == "la" || x.word(i-1) == "por") {
		return time.Time{}, 0
	}
	if off, n := phraseIn(x, i, relativeDays[x.lang]); n > 0 {
		return today.AddDate(0, 0, off), n
	}
	// A weekday, with "next"/"this" words before or after it.
	lead := 0
	next := false
	if _, n := phraseIn(x, i, nextWords[x.lang]); n > 0 {
		lead, next = n, true
	} else if thisWords[x.lang][x.word(i)] {
		lead = 1
	}
	if wd, ok := weekdays[x.lang][x.word(i+lead)]; ok {
		n := lead + 1
		if _, m := phraseIn(x, i+n, nextWords[x.lang]); m > 0 {
			n += m
			next = true
		}
		days := (wd - int(today.Weekday()) + 7) % 7
		if next && days == 0 {
			days = 7
		}
		x.weekday = true
		return today.AddDate(0, 0, days), n
	}
	// "tra 3 giorni", "in 3 days", "dentro de 3 días".
	if _, n := phraseIn(x, i, inWords[x.lang]); n > 0 {
		v, k := x.readNumber(i + n)
		if k == 0 && aWords[x.lang][x.word(i+n)] {
			v, k = 1, 1
		}
		if k > 0 && v == float64(int(v)) && v < 1000 {
			switch durationUnits[x.lang][x.word(i+n+k)] {
			case "D":
				return today.AddDate(0, 0, int(v)), n + k + 1
			case "W":
				return today.AddDate(0, 0, 7*int(v)), n + k + 1
			}
		}
	}
	return x.readDayMonth(i)
}

// readDayMonth reads "12 marzo [2026]", "12 de marzo [de 2026]", "March
// 12[th] [2026]", "the 12th of March", "il 12 marzo".
func (x *extraction) readDayMonth(i int) (time.Time, int) {
	k := i
	if w := x.word(k); w == "il" || w == "el" || w == "the" || w == "on" {
		k++
	}
	months := months[x.lang]
	if mo, ok := months[x.word(k)]; ok && x.lang == "en" { // March 12th
		if day, n := x.readDay(k + 1); n > 0 {
			end := k + 1 + n
			year, yn := x.readYear(end)
			if t, ok := x.dayMonth(day, mo, year); ok {
				x.guessedYear = yn == 0
				return t, end + yn - i
			}
		}
		return time.Time{}, 0
	}
	day, n := x.readDay(k)
	if n == 0 {
		return time.Time{}, 0
	}
	k += n
	if w := x.word(k); w == "de" || w == "of" {
		k++
	}
	mo, ok := months[x.word(k)]
	if !ok {
		return time.Time{}, 0
	}
	k++
	year, yn := x.readYear(k)
	t, ok := x.dayMonth(day, mo, year)
	if !ok {
		return time.Time{}, 0
	}
	x.guessedYear = yn == 0
	return t, k + yn - i
}

// readDay reads a day of the month: 12, 12th (12 and th), first.
func (x *extraction) readDay(i int) (int, int) {
	if i >= len(x.toks) || x.toks[i].used {
		return 0, 0
	}
	t := x.toks[i]
	if t.num {
		d, err := strconv.Atoi(t.w)
		if err != nil || d < 1 || d > 31 {
			return 0, 0
		}
		if s := x.word(i + 1); s == "st" || s == "nd" || s == "rd" || s == "th" {
			return d, 2
		}
		return d, 1
	}
	if d, ok := ordinals[x.lang][t.w]; ok {
		return d, 1
	}
	return 0, 0
}

var ordinals = map[string]map[string]int{
	"it": {"primo": 1},
	"en": {"first": 1, "second": 2, "third": 3},
	"es": {"primero": 1},
}

// readYear reads ", 2026" / "de 2026" after a date, 0 when there is none.
func (x *extraction) readYear(i int) (int, int) {
	k := i
	if x.word(k) == "de" || x.word(k) == "del" {
		k++
	}
	if k < len(x.toks) && !x.toks[k].used && x.toks[k].num && len(x.toks[k].w) == 4 {
		y, err := strconv.Atoi(x.toks[k].w)
		if err == nil && y >= 1900 && y <= 2200 {
			return y, k - i + 1
		}
	}
	return 0, 0
}

// dateRange reads "dal 3 al 5 marzo", "from March 3 to 5", "del 3 al 5 de
// marzo", "this weekend", "next week".
func (x *extraction) dateRange(i int) int {
	today := x.today()
	if n := x.phrase(i, weekendWords[x.lang]...); n > 0 {
		sat := today.AddDate(0, 0, (6-int(today.Weekday())+7)%7)
		if today.Weekday() == time.Sunday {
			sat = today.AddDate(0, 0, -1)
		}
		return x.emitRange(sat, sat.AddDate(0, 0, 1), i, n)
	}
	if n := x.phrase(i, nextWeekWords[x.lang]...); n > 0 {
		mon := today.AddDate(0, 0, (8-int(today.Weekday()))%7)
		if today.Weekday() == time.Monday {
			mon = today.AddDate(0, 0, 7)
		}
		return x.emitRange(mon, mon.AddDate(0, 0, 6), i, n)
	}
	if !rangeFrom[x.lang][x.word(i)] {
		return 0
	}
	k := i + 1
	if w := x.word(k); w == "il" || w == "el" || w == "the" {
		k++
	}
	// The first end: a whole date, or a day whose month comes after the
	// second end.
	x.guessedYear = false
	from, fn := x.readDate(k)
	fromGuessed := x.guessedYear
	fromDay := 0
	if fn == 0 {
		d, n := x.readDay(k)
		if n == 0 {
			return 0
		}
		fromDay, fn = d, n
	}
	k += fn
	if !rangeTo[x.lang][x.word(k)] {
		return 0
	}
	k++
	if w := x.word(k); w == "il" || w == "el" || w == "the" || w == "al" {
		k++
	}
	x.guessedYear, x.weekday = false, false
	to, tn := x.readDate(k)
	toGuessed := x.guessedYear
	if tn > 0 && x.weekday && to.Before(from) && from.Sub(to) < 7*24*time.Hour {
		// "from Monday to Friday" read on a Tuesday: the Friday after
		// that Monday.
		to = to.AddDate(0, 0, 7)
	}
	if tn == 0 {
		d, n := x.readDay(k)
		if n == 0 || fromDay != 0 {
			return 0
		}
		// "from March 3 to 5": the second end's month is the first's.
		t, ok := x.dayMonth(d, int(from.Month()), from.Year())
		if !ok {
			return 0
		}
		to, tn, toGuessed = t, n, fromGuessed
	}
	if fromDay != 0 {
		t, ok := x.dayMonth(fromDay, int(to.Month()), to.Year())
		if !ok {
			return 0
		}
		from, fromGuessed = t, toGuessed
	}
	if fromGuessed && toGuessed {
		from, to = x.rangeYear(from, to)
	}
	if to.Before(from) {
		return 0
	}
	return x.emitRange(from, to, i, k+tn-i)
}

// rangeYear places a range written without a year: this year's while it
// lasts ("from March 2 to 5" read on March 4 is under way), next year's
// once it has ended, across the new year when it ends before it starts.
func (x *extraction) rangeYear(from, to time.Time) (time.Time, time.Time) {
	today := x.today()
	back := func(t time.Time) time.Time {
		for t.Year() > today.Year() {
			t = t.AddDate(-1, 0, 0)
		}
		return t
	}
	from, to = back(from), back(to)
	if to.Before(from) {
		to = to.AddDate(1, 0, 0)
	}
	if to.Before(today) {
		from, to = from.AddDate(1, 0, 0), to.AddDate(1, 0, 0)
	}
	return from, to
}

func (x *extraction) emitRange(from, to time.Time, i, n int) int {
	return x.emitToks(flows.EntityDateRange, from.Format(dateLayout)+"/"+to.Format(dateLayout), i, n)
}

// clock reads a time with a cue or a part of the day: "alle 8 di sera",
// "alle 20", "at 7", "a las 9 de la noche", "half past seven", "quarter
// to eight", "le otto e mezza", "mezzogiorno".
func (x *extraction) clock(i int) int {
	if v, n := phraseIn(x, i, namedTimes[x.lang]); n > 0 {
		return x.emitToks(flows.EntityTime, v, i, n)
	}
	if x.lang == "en" {
		if n := x.englishPast(i); n > 0 {
			return n
		}
	}
	_, cue := phraseIn(x, i, toSet(timeCues[x.lang]))
	weak := cue == 0 && (x.word(i) == "le" || x.word(i) == "las") // "le 8" only with minutes or a part of the day
	if weak {
		cue = 1
	}
	h, hn := x.readNumber(i + cue)
	dotMin := -1
	if cue > 0 && !weak && hn == 1 {
		// "alle 9.30": after a cue, an hour and minutes split by a dot
		// are a time (without one, 8.30 is a number).
		if hh, mm, ok := dottedTime(x.word(i + cue)); ok {
			h, dotMin = float64(hh), mm
		}
	}
	if hn == 0 || h != float64(int(h)) || h < 0 || h > 24 {
		return 0
	}
	hour, k := int(h), i+cue+hn
	min := 0
	if dotMin >= 0 {
		min = dotMin
	} else if m, n := phraseIn(x, k, minuteWords[x.lang]); n > 0 {
		min, k = m, k+n
	} else if (x.word(k) == "e" || x.word(k) == "y") && x.lang != "en" {
		if mv, n := x.readNumber(k + 1); n > 0 && mv == float64(int(mv)) && mv < 60 {
			min, k = int(mv), k+1+n
		}
	}
	hasMin := k > i+cue+hn || dotMin >= 0
	part, pn := phraseIn(x, k, dayParts[x.lang])
	k += pn
	if (cue == 0 || weak) && pn == 0 && !hasMin {
		return 0 // a bare number is not a time
	}
	if pn == 0 {
		part = x.partBefore(i)
	}
	switch part {
	case afternoon:
		if hour < 12 {
			hour += 12
		}
	case night:
		if hour >= 6 && hour < 12 {
			hour += 12
		}
	case morning:
		if hour == 12 {
			hour = 0
		}
	}
	if min < 0 { // "le 8 meno un quarto"
		hour, min = (hour+23)%24, 60+min
	}
	if hour == 24 {
		hour = 0
	}
	if hour > 23 {
		return 0
	}
	return x.emitToks(flows.EntityTime, fmt.Sprintf("%02d:%02d", hour, min), i, k-i)
}

// clockParts applies a part of the day said around a time the patterns
// read ("alle 8:30 di sera", "tonight at 7:30"), as clock does for the
// times it reads; one said after the time joins its span.
func (x *extraction) clockParts() {
	for k := range x.out {
		e := &x.out[k]
		if e.Kind != flows.EntityTime || strings.ContainsAny(strings.ToLower(e.Text), "ap") {
			continue // not a time, or one with am or pm
		}
		h, err := strconv.Atoi(e.Value[:2])
		if err != nil || h < 1 || h > 11 {
			continue
		}
		first, after := -1, len(x.toks)
		for i, t := range x.toks {
			if first < 0 && t.start >= e.Start {
				first = i
			}
			if t.start >= e.End {
				after = i
				break
			}
		}
		part, pn := phraseIn(x, after, dayParts[x.lang])
		if pn == 0 && first >= 0 {
			j := first - 1
			if cue, n := x.cueBefore(first); n > 0 && cue {
				j = first - n - 1
			}
			part = x.partBefore(j + 1)
		}
		switch {
		case part == afternoon, part == night && h >= 6:
			h += 12
		default:
			continue
		}
		e.Value = fmt.Sprintf("%02d%s", h, e.Value[2:])
		if pn > 0 {
			e.End = x.toks[after+pn-1].end
			e.Text = x.text[e.Start:e.End]
			for i := after; i < after+pn; i++ {
				x.toks[i].used = true
			}
		}
	}
}

// cueBefore reports the time cue ("alle", "at", "a las") whose tokens end
// just before token i, and how many tokens it has.
func (x *extraction) cueBefore(i int) (bool, int) {
	for n := 3; n >= 1; n-- {
		if i-n < 0 {
			continue
		}
		if _, m := phraseIn(x, i-n, toSet(timeCues[x.lang])); m == n {
			return true, n
		}
	}
	return false, 0
}

// partBefore is the part of the day said just before the time at i
// ("stasera alle 8", "Saturday evening at 8", "esta noche a las 9"), 0
// when there is none.
func (x *extraction) partBefore(i int) dayPart {
	j := i - 1
	if x.lang == "en" && x.word(j) == "at" { // "tonight at half past seven"
		j--
	}
	return leadParts[x.lang][x.word(j)]
}

// dottedTime reads a number token "H.MM" (9.30, 18.45) as an hour and
// minutes.
func dottedTime(w string) (hour, min int, ok bool) {
	if len(w) < 4 || len(w) > 5 || w[len(w)-3] != '.' {
		return 0, 0, false
	}
	hour, err1 := strconv.Atoi(w[:len(w)-3])
	min, err2 := strconv.Atoi(w[len(w)-2:])
	if err1 != nil || err2 != nil || hour > 24 || min > 59 {
		return 0, 0, false
	}
	return hour, min, true
}

// englishPast reads "half past seven", "quarter past eight", "quarter to
// eight", "ten past six", "seven o'clock".
func (x *extraction) englishPast(i int) int {
	k := i
	var min int
	switch w := x.word(k); {
	case w == "half":
		min, k = 30, k+1
	case w == "quarter" || (w == "a" && x.word(k+1) == "quarter"):
		if w == "a" {
			k++
		}
		min, k = 15, k+1
	default:
		v, n := x.readNumber(k)
		if n == 0 || v >= 60 {
			if n > 0 && x.word(k+n) == "o" && x.word(k+n+1) == "clock" && v >= 1 && v <= 12 {
				return x.emitToks(flows.EntityTime, fmt.Sprintf("%02d:00", int(v)), i, n+2)
			}
			return 0
		}
		if x.word(k+n) == "o" && x.word(k+n+1) == "clock" && v >= 1 && v <= 12 {
			part, pn := phraseIn(x, k+n+2, dayParts["en"])
			if pn == 0 {
				part = x.partBefore(i)
			}
			h := int(v)
			if part == afternoon && h < 12 {
				h += 12
			}
			return x.emitToks(flows.EntityTime, fmt.Sprintf("%02d:00", h), i, n+2+pn)
		}
		min, k = int(v), k+n
		if x.word(k) == "minutes" {
			k++
		}
	}
	dir := x.word(k)
	if dir != "past" && dir != "to" && dir != "after" && dir != "before" {
		return 0
	}
	h, hn := x.readNumber(k + 1)
	if hn == 0 || h < 1 || h > 12 || h != float64(int(h)) {
		return 0
	}
	hour := int(h)
	if dir == "to" || dir == "before" {
		hour, min = hour-1, 60-min
	}
	end := k + 1 + hn
	part, pn := phraseIn(x, end, dayParts["en"])
	if pn == 0 {
		part = x.partBefore(i)
	}
	if part == afternoon || part == night && hour >= 6 {
		hour += 12
	}
	return x.emitToks(flows.EntityTime, fmt.Sprintf("%02d:%02d", hour%24, min), i, end+pn-i)
}

func toSet(words []string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
