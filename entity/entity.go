package entity

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

// Extractor finds the system entities of a message. The zero value is
// ready to use; it is safe for concurrent use.
type Extractor struct{}

var _ flows.EntityExtractor = Extractor{}

// New returns an Extractor.
func New() Extractor { return Extractor{} }

// MaxText bounds the text an extraction reads: a longer message is read up
// to this many bytes (entities are in what a person types, not in a pasted
// document).
const MaxText = 4096

// Extract returns the entities of in.Text in the order they appear. An
// unknown language reads as English.
func (Extractor) Extract(in flows.EntityInput) []flows.Entity {
	text := in.Text
	if len(text) > MaxText {
		// Cut at a rune's start, keeping every byte before it: the
		// entities' spans are offsets into in.Text.
		n := MaxText
		for i := 1; i < utf8.UTFMax && !utf8.RuneStart(text[n]); i++ {
			n--
		}
		text = text[:n]
	}
	lang := in.Lang
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		lang = lang[:i]
	}
	if _, ok := numberWords[lang]; !ok {
		lang = "en"
	}
	x := &extraction{text: text, lang: lang, now: in.Now}
	x.patterns()
	x.tokenize()
	x.clockParts()
	for _, pass := range []func(i int) int{x.dateRange, x.clock, x.date, x.duration, x.money, x.number} {
		for i := 0; i < len(x.toks); i++ {
			if x.toks[i].used {
				continue
			}
			if n := pass(i); n > 0 {
				i += n - 1
			}
		}
	}
	sort.SliceStable(x.out, func(i, j int) bool { return x.out[i].Start < x.out[j].Start })
	return x.out
}

// extraction is the working state of one Extract.
type extraction struct {
	text    string
	lang    string
	now     timeNow
	toks    []tok
	claimed [][2]int // byte spans taken by the patterns
	// guessedYear is set by readDayMonth: the date it read had no year,
	// so it is this year's or, when passed, next year's.
	guessedYear bool
	// weekday is set by readDate: the date it read was a weekday's name,
	// the next one on or after today.
	weekday bool
	out     []flows.Entity
}

// tok is a word or a number of the message.
type tok struct {
	w          string // folded
	start, end int
	num        bool // digits, maybe with a decimal part
	used       bool
}

// patterns finds what regular expressions read best: emails, ISO and
// numeric dates, clock times, phones, order ids, money with a symbol.
func (x *extraction) patterns() {
	for _, p := range []struct {
		re   *regexp.Regexp
		read func(m []string) (kind, value string, ok bool)
	}{
		{emailRE, func(m []string) (string, string, bool) { return flows.EntityEmail, strings.ToLower(m[0]), true }},
		{isoDateRE, x.isoDate},
		{numericDateRE, x.numericDate},
		{dottedDateRE, func(m []string) (string, string, bool) {
			// 12.03.2024, 12-03-2024: one separator twice, and not part
			// of a longer run of numbers (a phone written 06.12.03.2024).
			if m[1] != "" || m[7] != "" || m[3] != m[5] {
				return "", "", false
			}
			return x.numericDate([]string{m[0], m[2], m[4], m[6]})
		}},
		{clockRE, x.clockTime},
		// Money before phones: "12.345.678,00 €" has a phone's digits.
		{moneyBeforeRE, func(m []string) (string, string, bool) { return money(m[2], currencies[strings.ToLower(m[1])]) }},
		{moneyAfterRE, func(m []string) (string, string, bool) { return money(m[1], currencies[strings.ToLower(m[2])]) }},
		// Orders before phones: "ORD-2024-0001" has a phone's digits.
		{orderRE, order},
		{phoneRE, phone},
	} {
		for _, loc := range p.re.FindAllStringSubmatchIndex(x.text, -1) {
			start, end := loc[0], loc[1]
			if x.taken(start, end) {
				continue
			}
			m := make([]string, len(loc)/2)
			for i := range m {
				if loc[2*i] >= 0 {
					m[i] = x.text[loc[2*i]:loc[2*i+1]]
				}
			}
			kind, value, ok := p.read(m)
			if !ok {
				continue
			}
			x.claimed = append(x.claimed, [2]int{start, end})
			x.emit(kind, value, start, end)
		}
	}
}

// amountRE is an amount of money: digits grouped by thousands in either
// convention ("1.234,56", "1,234.56", "1.000") or not ("1234,5", "12.50").
const amountRE = `\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:[.,]\d{1,2})?`

var (
	emailRE       = regexp.MustCompile(`(?i)[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}`)
	isoDateRE     = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	numericDateRE = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?\b`)
	dottedDateRE  = regexp.MustCompile(`(\d[./-])?\b(\d{1,2})([.-])(\d{1,2})([.-])(\d{4})\b([./-]\d)?`)
	clockRE       = regexp.MustCompile(`(?i)\b([01]?\d|2[0-4])(:|h|\.)([0-5]\d)(?:\s*([ap])\.?\s?m\b\.?|\b)|\b(1[0-2]|0?[1-9])\s*([ap])\.?\s?m\b\.?`)
	phoneRE       = regexp.MustCompile(`(?:\+|\b00)?\d[\d ()./-]{6,}\d\b`)
	orderRE       = regexp.MustCompile(`(#|\b)([A-Za-z]{0,4})(-?)(\d{4,8})((?:-\d{1,8}){0,3})\b`)
	moneyBeforeRE = regexp.MustCompile(`(€|\$|£)\s?(` + amountRE + `)`)
	moneyAfterRE  = regexp.MustCompile(`(?i)\b(` + amountRE + `)\s?(€|\$|£|eur\b|euros?\b|usd\b|gbp\b|dollars?\b|dollari\b|dolares\b|dólares\b|pounds?\b|sterline\b)`)
)

func (x *extraction) taken(start, end int) bool {
	for _, c := range x.claimed {
		if start < c[1] && c[0] < end {
			return true
		}
	}
	return false
}

func (x *extraction) emit(kind, value string, start, end int) {
	x.out = append(x.out, flows.Entity{Kind: kind, Value: value, Text: x.text[start:end], Start: start, End: end})
}

// emitToks records an entity read from toks[i:i+n] and marks them used.
func (x *extraction) emitToks(kind, value string, i, n int) int {
	x.emit(kind, value, x.toks[i].start, x.toks[i+n-1].end)
	for k := i; k < i+n; k++ {
		x.toks[k].used = true
	}
	return n
}

func phone(m []string) (string, string, bool) {
	var b strings.Builder
	s := m[0]
	if strings.HasPrefix(s, "00") {
		b.WriteByte('+')
		s = s[2:]
	}
	digits := 0
	for _, r := range s {
		switch {
		case r == '+' && b.Len() == 0:
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		}
	}
	if digits < 8 || digits > 15 {
		return "", "", false
	}
	return flows.EntityPhone, b.String(), true
}

// order reads an order id: 1–4 letters and 4–8 digits ("A12345",
// "b-23456", "ORD-2024-0001"), or "#" before them or before digits alone
// ("#12345"). The value is in upper case without "#"; a dash after the
// letters is dropped ("B23456"), the dashes between groups of digits are
// kept ("ORD-2024-0001").
func order(m []string) (string, string, bool) {
	hash, letters, dash, digits, groups := m[1], m[2], m[3], m[4], m[5]
	if letters == "" && (hash == "" || dash != "") {
		return "", "", false // a bare number, or "#-1234"
	}
	if groups != "" {
		// A code of several groups keeps its shape.
		return flows.EntityOrder, strings.ToUpper(letters + dash + digits + groups), true
	}
	return flows.EntityOrder, strings.ToUpper(letters + digits), true
}

func money(amount, currency string) (string, string, bool) {
	if currency == "" {
		return "", "", false
	}
	v, err := strconv.ParseFloat(plainAmount(amount), 64)
	if err != nil {
		return "", "", false
	}
	return flows.EntityMoney, strconv.FormatFloat(v, 'f', 2, 64) + " " + currency, true
}

// plainAmount writes an amount of amountRE for ParseFloat: a last
// separator followed by 1 or 2 digits is the decimal one, any other
// separates thousands ("1.234,56" and "1,234.56" are 1234.56, "1.000" is
// 1000: no currency read here has 3 decimals).
func plainAmount(a string) string {
	dec := strings.LastIndexAny(a, ".,")
	if dec < 0 {
		return a
	}
	if len(a)-dec-1 > 2 {
		dec = -1
	}
	var b strings.Builder
	for i := 0; i < len(a); i++ {
		switch {
		case i == dec:
			b.WriteByte('.')
		case a[i] != '.' && a[i] != ',':
			b.WriteByte(a[i])
		}
	}
	return b.String()
}

// tokenize splits the text outside the claimed spans into words and
// numbers ("4", "4,5"), folded.
func (x *extraction) tokenize() {
	s := x.text
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsDigit(r):
			j := i + w
			for j < len(s) && isDigitAt(s, j) {
				j++
			}
			if j+1 < len(s) && (s[j] == ',' || s[j] == '.') && isDigitAt(s, j+1) {
				j++
				for j < len(s) && isDigitAt(s, j) {
					j++
				}
			}
			x.addTok(s[i:j], i, j, true)
			i = j
		case unicode.IsLetter(r) || r == '€' || r == '$' || r == '£':
			j := i + w
			for j < len(s) {
				r2, w2 := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r2) {
					break
				}
				j += w2
			}
			if r == '€' || r == '$' || r == '£' {
				j = i + w
			}
			x.addTok(s[i:j], i, j, false)
			i = j
		default:
			i += w
		}
	}
}

func isDigitAt(s string, i int) bool { return s[i] >= '0' && s[i] <= '9' }

func (x *extraction) addTok(s string, start, end int, num bool) {
	x.toks = append(x.toks, tok{w: flows.Fold(s), start: start, end: end, num: num, used: x.taken(start, end)})
}

// word is the folded word at i, "" past the end or when used.
func (x *extraction) word(i int) string {
	if i < 0 || i >= len(x.toks) || x.toks[i].used {
		return ""
	}
	return x.toks[i].w
}

// phrase reports how many tokens from i spell one of phrases (folded
// words joined by spaces), the longest first; 0 when none does.
func (x *extraction) phrase(i int, phrases ...string) int {
	best := 0
	for _, p := range phrases {
		words := strings.Fields(p)
		if len(words) <= best {
			continue
		}
		ok := true
		for k, w := range words {
			if x.word(i+k) != w {
				ok = false
				break
			}
		}
		if ok {
			best = len(words)
		}
	}
	return best
}

// phraseIn is phrase over a set's keys, with the value of the match.
func phraseIn[V any](x *extraction, i int, set map[string]V) (V, int) {
	var zero V
	best, val := 0, zero
	for p, v := range set {
		if n := x.phrase(i, p); n > best {
			best, val = n, v
		}
	}
	return val, best
}

// number reads a number at i: digits ("4", "4,5") or words ("quattro",
// "twenty two", "treinta y dos"); it returns the value and the tokens read.
func (x *extraction) readNumber(i int) (float64, int) {
	if i >= len(x.toks) || x.toks[i].used {
		return 0, 0
	}
	t := x.toks[i]
	if t.num {
		v, err := strconv.ParseFloat(x.plainNumber(t.w), 64)
		if err != nil {
			return 0, 0
		}
		return v, 1
	}
	words := numberWords[x.lang]
	v, ok := words[t.w]
	if !ok {
		return 0, 0
	}
	n := 1
	if tensWords[t.w] {
		next := i + 1
		if x.lang == "es" && x.word(next) == "y" {
			next++
		}
		if u, ok := words[x.word(next)]; ok && u >= 1 && u <= 9 {
			v += u
			n = next - i + 1
		}
	}
	if v >= 1 && v <= 9 && (x.word(i+n) == "hundred" || x.word(i+n) == "cento") {
		v *= 100
		n++
	}
	// Thousands: "two thousand", "dos mil", and what follows them.
	if v >= 1 && v < 1000 && thousandWords[x.word(i+n)] {
		v *= 1000
		n++
	}
	// What follows hundreds or thousands: "one hundred and five", "ciento
	// treinta y dos", "mille duecento", "one thousand two hundred".
	if v >= 100 && (int(v)%1000 == 0 || (v < 1000 && int(v)%100 == 0)) {
		k := i + n
		if x.lang == "en" && x.word(k) == "and" {
			k++
		}
		if k < len(x.toks) && !x.toks[k].num {
			limit := 100.0 // after hundreds, the tens and units
			if v >= 1000 {
				limit = 1000
			}
			if r, rn := x.readNumber(k); rn > 0 && r >= 1 && r < limit && r == float64(int(r)) {
				v += r
				n = k + rn - i
			}
		}
	}
	return v, n
}

// thousandsSep is the language's thousands separator: "1,234" is 1234
// in English, "1.234" in Italian and Spanish.
var thousandsSep = map[string]byte{"en": ',', "it": '.', "es": '.'}

// plainNumber writes a number token for ParseFloat: 1 to 3 digits, the
// language's thousands separator and 3 digits are a thousand and more;
// any other separator is the decimal one ("4,5", "8.30").
func (x *extraction) plainNumber(w string) string {
	if i := len(w) - 4; i >= 1 && i <= 3 && w[i] == thousandsSep[x.lang] {
		return w[:i] + w[i+1:]
	}
	return strings.Replace(w, ",", ".", 1)
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// number reads a plain number.
func (x *extraction) number(i int) int {
	v, n := x.readNumber(i)
	if n == 0 {
		return 0
	}
	return x.emitToks(flows.EntityNumber, formatNumber(v), i, n)
}

// duration reads "2 ore", "half an hour", "una semana", "mezz'ora".
func (x *extraction) duration(i int) int {
	units := durationUnits[x.lang]
	if halfWords[x.lang][x.word(i)] {
		k := i + 1
		if aWords[x.lang][x.word(k)] {
			k++
		}
		if u, ok := units[x.word(k)]; ok {
			return x.emitToks(flows.EntityDuration, isoDuration(0.5, u), i, k-i+1)
		}
	}
	v, n := x.readNumber(i)
	if n == 0 && aWords[x.lang][x.word(i)] {
		v, n = 1, 1
	}
	if n == 0 {
		return 0
	}
	if u, ok := units[x.word(i+n)]; ok {
		// "un'ora e mezza", "an hour and a half", "una hora y media".
		if k := i + n + 1; x.word(k) == andWords[x.lang] {
			h := k + 1
			if aWords[x.lang][x.word(h)] {
				h++
			}
			if halfWords[x.lang][x.word(h)] {
				return x.emitToks(flows.EntityDuration, isoDuration(v+0.5, u), i, h-i+1)
			}
		}
		return x.emitToks(flows.EntityDuration, isoDuration(v, u), i, n+1)
	}
	return 0
}

// andWords join a unit and its half: "un'ora e mezza".
var andWords = map[string]string{"it": "e", "en": "and", "es": "y"}

// isoDuration writes an ISO 8601 duration; halves of a unit go down one
// unit (half an hour is PT30M).
func isoDuration(v float64, unit string) string {
	if v != float64(int(v)) {
		switch unit {
		case "H":
			return "PT" + formatNumber(v*60) + "M"
		case "M":
			return "PT" + formatNumber(v*60) + "S"
		case "D":
			return "PT" + formatNumber(v*24) + "H"
		}
	}
	switch unit {
	case "H", "M", "S":
		return "PT" + formatNumber(v) + unit
	case "MO":
		return "P" + formatNumber(v) + "M"
	}
	return "P" + formatNumber(v) + unit
}

// money reads a number followed by a currency word: "dieci euro".
func (x *extraction) money(i int) int {
	v, n := x.readNumber(i)
	if n == 0 {
		return 0
	}
	if code, ok := currencies[x.word(i+n)]; ok {
		_, value, _ := money(formatNumber(v), code)
		return x.emitToks(flows.EntityMoney, value, i, n+1)
	}
	return 0
}
