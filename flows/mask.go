package flows

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The patterns below use \p{Nd} rather than \d so full-width and other
// non-ASCII digits (３３３…, ٣٣٣…) are recognised too: RE2's \d is ASCII only.
var (
	maskEmail = regexp.MustCompile(`[\p{L}\p{Nd}._%+\-]+@[\p{L}\p{Nd}.\-]+\.\p{L}{2,}`)
	// A phone: an optional + or 00, then 8 to 15 digits possibly split by
	// spaces, dots, dashes, slashes or parentheses (checked by digit count;
	// longer runs are masked as numbers).
	maskPhone = regexp.MustCompile(`\+?\(?\p{Nd}[\p{Nd} .\-/()]{6,}\p{Nd}`)
	// An order-like code: 1 to 4 letters, an optional separator, then digits
	// possibly grouped by dashes or slashes, at least 4 digits in all
	// (A12345, ORD-2024-0001, AB-12-3456).
	maskOrder = regexp.MustCompile(`\b\p{L}{1,4}[-/#]?\p{Nd}[\p{Nd}\-/]*\p{Nd}\b`)
	// A number of 4+ digits announced as an order: "#12345", "order 12345",
	// "ordine n. 12345", "pedido nº 12345".
	// Its words are orderWords, which MaskPII's pre-check looks for.
	maskOrderRef = regexp.MustCompile(`(?i)(#\s?|\b(?:` + strings.Join(orderWords, "|") + `)\s*(?:(?:n|nr|no|num|n°|nº)\.?\s*)?[:#]?\s*)(\p{Nd}{4,})`)
	// A date (12.03.2024, 1-2-24, 2024-03-12): digits in it are not a
	// phone number.
	maskDate = regexp.MustCompile(`^(?:` + datePattern + `)$`)
	// A date inside a phone candidate, set off by spaces, parentheses or
	// its ends ("12/03/2024 15:30", "00 - 12/03/2024 18", "(12/03/2024"):
	// the date is kept and the parts around it judged alone. ("06-12-34-56-78"
	// is a phone: no space sets its "06-12-34" off.)
	maskDateIn = regexp.MustCompile(`(?:^|[\s(])(` + datePattern + `)(?:[\s)]|$)`)
)

const datePattern = `\p{Nd}{1,2}[./\-]\p{Nd}{1,2}[./\-](?:\p{Nd}{2}|\p{Nd}{4})|\p{Nd}{4}[./\-]\p{Nd}{1,2}[./\-]\p{Nd}{1,2}`

// PII placeholders written by MaskPII.
const (
	MaskedEmail = "[email]"
	MaskedPhone = "[phone]"
	MaskedOrder = "[order]"
	// MaskedNumber replaces digit runs too long for a phone (16 digits or
	// more: card and account numbers).
	MaskedNumber = "[number]"
)

// MaskPII replaces e-mail addresses, phone numbers and order-like codes in s
// with [email], [phone] and [order], IBANs with [iban], Italian codici
// fiscali and Spanish DNI/NIE/NIF with [id] and card security codes
// announced as such ("CVV 123") with [cvv], so text can leave the process (an LLM
// call, a helpdesk ticket when masking is on) without personal data. It errs
// on the side of masking: a long number that could be a phone is masked even
// when it is something else, and card-length numbers become [number]; short
// numbers ("3 figli", "555-1234") and dates are kept.
func MaskPII(s string) string {
	// Masking one kind can expose another (a code glued to a phone
	// number); a second pass settles it, a third is a safety net.
	for range 3 {
		h := scan(s)
		if !h.any() {
			return s
		}
		m := maskOnce(s, h)
		if m == s {
			return s
		}
		s = m
	}
	return s
}

// maskOnce runs each pattern the hints say can match: the regular
// expressions have no literal prefix, so skipping them is most of the speed.
// A pattern that changed s has the hints taken again for the next ones.
func maskOnce(s string, h hints) string {
	if h.at {
		s, h = rescan(s, maskEmail.ReplaceAllString(s, MaskedEmail), h)
	}
	s, h = rescan(s, maskIDs(s, h), h)
	if h.run4 && h.orderRef {
		s, h = rescan(s, maskOrderRef.ReplaceAllString(s, "${1}"+MaskedOrder), h)
	}
	if h.orderRun >= 4 && h.orderCode {
		s, h = rescan(s, maskOrder.ReplaceAllStringFunc(s, func(m string) string {
			if countDigits(m) < 4 {
				return m
			}
			return MaskedOrder
		}), h)
	}
	if h.phoneRun < 8 {
		return s
	}
	s = maskPhone.ReplaceAllStringFunc(s, maskPhoneCandidate)
	return s
}

// maskPhoneCandidate masks a match of maskPhone as a phone or a long
// number; the dates in it are kept.
func maskPhoneCandidate(m string) string {
	return mapNonDates(m, func(m string) string {
		switch {
		case isPhone(m):
			return MaskedPhone
		case isLongNumber(m):
			return MaskedNumber
		}
		return m
	})
}

// mapNonDates returns the phone candidate m with its dates (maskDateIn)
// and the spaces and parentheses around them kept, and each part between
// them replaced by f of it.
func mapNonDates(m string, f func(string) string) string {
	start, end, ok := findDate(m)
	if !ok {
		return f(m)
	}
	const seps = " \t\r\n()"
	before, date, after := m[:start], m[start:end], m[end:]
	b := strings.TrimRight(before, seps)
	a := strings.TrimLeft(after, seps)
	return f(b) + before[len(b):] + date + after[:len(after)-len(a)] + mapNonDates(a, f)
}

// findDate returns where the first date of the phone candidate m is
// (maskDateIn) that names a real day and month: "333 12-34-56" has none.
func findDate(m string) (start, end int, ok bool) {
	for off := 0; off < len(m); {
		loc := maskDateIn.FindStringSubmatchIndex(m[off:])
		if loc == nil {
			break
		}
		if calendarDate(m[off+loc[2] : off+loc[3]]) {
			return off + loc[2], off + loc[3], true
		}
		off += loc[3]
	}
	return 0, 0, false
}

// calendarDate reports whether a match of datePattern has a day (1-31)
// and a month (1-12): day or month first, or after a 4-digit year. Its
// digits grouped otherwise (12.34.56, 1234.56.78) are a phone number's.
// Digits other than ASCII ones are not checked.
func calendarDate(s string) bool {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '/' || r == '-' })
	if len(f) != 3 {
		return false
	}
	var n [3]int
	for i, x := range f {
		v, err := strconv.Atoi(x)
		if err != nil {
			return true
		}
		n[i] = v
	}
	day := func(v int) bool { return v >= 1 && v <= 31 }
	month := func(v int) bool { return v >= 1 && v <= 12 }
	if utf8.RuneCountInString(f[0]) == 4 {
		return month(n[1]) && day(n[2])
	}
	return day(n[0]) && month(n[1]) || month(n[0]) && day(n[1])
}

// rescan returns next and its hints: h when it is s unchanged. The gates
// on counts (digits, cvv) stay those of the text a pass began with.
func rescan(s, next string, h hints) (string, hints) {
	if next == s {
		return s, h
	}
	return next, scanGated(next, h.digits, h.cvv)
}

// ExtractPII returns the e-mail addresses, phone numbers and order-like codes
// MaskPII would mask in s, by entity kind ("email", "phone", "order"), in the
// order they appear; nil when there are none. Order references such as
// "#12345" are returned without the "#".
func ExtractPII(s string) map[string][]string {
	h := scan(s)
	if !h.any() {
		return nil
	}
	var out map[string][]string
	add := func(kind, v string) {
		if out == nil {
			out = map[string][]string{}
		}
		out[kind] = append(out[kind], v)
	}
	// Extract in the same order MaskPII masks, blanking what was taken so
	// that an e-mail's digits are not also reported as a phone.
	if h.at {
		for _, m := range maskEmail.FindAllString(s, -1) {
			add("email", m)
		}
		s = maskEmail.ReplaceAllString(s, MaskedEmail)
	}
	// Identity and bank numbers are not reported, but their digits must
	// not be taken for a phone or an order.
	s = maskIDs(s, h)
	if h.run4 {
		for _, m := range maskOrderRef.FindAllStringSubmatch(s, -1) {
			add("order", m[2])
		}
		s = maskOrderRef.ReplaceAllString(s, "${1}"+MaskedOrder)
	}
	if h.digits < 4 {
		return out
	}
	s = maskOrder.ReplaceAllStringFunc(s, func(m string) string {
		if countDigits(m) < 4 {
			return m
		}
		add("order", m)
		return MaskedOrder
	})
	if h.digits < 8 {
		return out
	}
	for _, m := range maskPhone.FindAllString(s, -1) {
		mapNonDates(m, func(m string) string {
			if isPhone(m) {
				add("phone", strings.TrimSpace(m))
			}
			return m
		})
	}
	return out
}

// hints say which patterns can match s: an e-mail needs an @, an order
// reference a run of 4 digits, an order code 4 digits, a phone 8. Each
// field is a condition without which its pattern finds nothing to mask,
// so a pattern is skipped only when it could not change s.
type hints struct {
	at     bool
	run4   bool
	digits int
	// cvv: a word that may announce a security code ("CVV", "sicurezza").
	cvv bool
	// orderRun and phoneRun are the most digits in one run of the
	// characters an order code's digits (digits, - and /) or a phone
	// (digits, spaces, + . - / and parentheses) are made of; asciiRun the
	// longest run of ASCII digits (a DNI or NIE has 7 or 8).
	orderRun, phoneRun, asciiRun int
	// iban: somewhere a word starts with an IBAN country's code and two
	// digits; cf: a word of 16 letters and digits starts with 6 letters,
	// or a word starts like a codice fiscale split by spaces or dashes.
	// The regular expressions fold case beyond ASCII (K is also the Kelvin
	// sign), so in text that is not all ASCII both are set, and only the
	// digit counts decide.
	iban, cf bool
	// orderRef: a # or a word that announces an order ("order",
	// "pedido"...) is in s; orderCode: a word starts with 1 to 4 letters
	// and then a digit, or a -, / or # and a digit, where an order code
	// could start. Both are set in text that is not all ASCII.
	orderRef, orderCode bool
}

func (h hints) any() bool { return h.at || h.digits >= 4 || h.digits >= 3 && h.cvv }

func scan(s string) hints {
	h := scanGated(s, -1, false)
	if h.digits >= 3 && h.digits < 30 {
		h.cvv = mentionsCVV(s)
	}
	return h
}

// scanGated takes the hints of s; with digits >= 0, the counts that gate
// patterns (digits, cvv) are those given, of the text a pass began with.
func scanGated(s string, digits int, cvv bool) hints {
	var h hints
	run, ascii, order, phone := 0, 0, 0, 0
	isASCII := true
	for i := 0; i < len(s); {
		r := rune(s[i])
		if r < utf8.RuneSelf {
			i++
			if r|0x20 >= 'a' && r|0x20 <= 'z' { // most of a text
				run, ascii, order, phone = 0, 0, 0, 0
				continue
			}
		} else {
			isASCII = false
			var n int
			r, n = utf8.DecodeRuneInString(s[i:])
			i += n
		}
		if r >= '0' && r <= '9' || r >= utf8.RuneSelf && unicode.IsDigit(r) {
			h.digits++
			run++
			order++
			phone++
			h.run4 = h.run4 || run >= 4
			h.orderRun = max(h.orderRun, order)
			h.phoneRun = max(h.phoneRun, phone)
			if r <= '9' {
				ascii++
				h.asciiRun = max(h.asciiRun, ascii)
			} else {
				ascii = 0
			}
			continue
		}
		run, ascii = 0, 0
		switch r {
		case '@':
			h.at = true
			order, phone = 0, 0
		case '-', '/':
		case ' ', '.', '(', ')', '+':
			order = 0
		default:
			order, phone = 0, 0
		}
	}
	if digits >= 0 {
		h.digits, h.cvv = digits, cvv
	}
	if isASCII {
		h.iban = h.digits >= 7 && ibanStart(s)
		h.cf = h.digits >= 3 && (cfWord(s) || cfSpaced(s))
		h.orderRef = h.run4 && orderRefWord(s)
		h.orderCode = h.orderRun >= 4 && orderCodeStart(s)
	} else {
		h.iban, h.cf = h.digits >= 7, h.digits >= 3
		h.orderRef, h.orderCode = h.run4, h.orderRun >= 4
	}
	return h
}

// orderWords are the words maskOrderRef takes to announce an order number.
var orderWords = []string{"order", "ordine", "pedido", "commande", "bestellung", "auftrag", "encomenda", "ordem"}

// orderRefWord reports whether an ASCII s has a # or one of orderWords,
// in any case, where maskOrderRef could match.
func orderRefWord(s string) bool {
	if strings.IndexByte(s, '#') >= 0 {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		for _, w := range orderWords {
			if c == w[0] && len(s)-i >= len(w) && strings.EqualFold(s[i:i+len(w)], w) {
				return true
			}
		}
	}
	return false
}

// orderCodeStart reports whether an ASCII s has a word starting with 1 to
// 4 letters followed by a digit, or by a -, / or # and a digit: where
// maskOrder (\b, 1 to 4 letters, an optional separator, a digit) could
// match.
func orderCodeStart(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLetterByte(s[i]) || i > 0 && isWordByte(s[i-1]) {
			continue
		}
		j := i
		for j < len(s) && isLetterByte(s[j]) {
			j++
		}
		if j-i > 4 {
			continue
		}
		if j < len(s) && (s[j] == '-' || s[j] == '/' || s[j] == '#') {
			j++
		}
		if j < len(s) && isDigitByte(s[j]) {
			return true
		}
	}
	return false
}

// ibanStart reports whether an ASCII s has a word starting with the code
// of a country with IBANs and two digits, where an IBAN could start.
func ibanStart(s string) bool {
	for i := 0; i+3 < len(s); i++ {
		if (i == 0 || !isWordByte(s[i-1])) && isLetterByte(s[i]) && isLetterByte(s[i+1]) && isDigitByte(s[i+2]) && isDigitByte(s[i+3]) {
			cc := [2]byte{upperByte(s[i]), upperByte(s[i+1])}
			if _, ok := ibanCountries[string(cc[:])]; ok {
				return true
			}
		}
	}
	return false
}

// cfWord reports whether an ASCII s has a word (letters, digits, _) of
// exactly 16 characters, the first 6 letters: what a codice fiscale is.
func cfWord(s string) bool {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isWordByte(s[i]) {
			continue
		}
		if i-start == 16 {
			ok := true
			for j := start; j < start+6; j++ {
				ok = ok && isLetterByte(s[j])
			}
			if ok {
				return true
			}
		}
		start = i + 1
	}
	return false
}

// cfSpaced reports whether an ASCII s has a word that starts like a
// codice fiscale split by spaces or dashes ("RSS MRA 85T10 A562S"): maskCF
// up to the month's letter.
func cfSpaced(s string) bool {
	for i := 0; i < len(s); i++ {
		if isLetterByte(s[i]) && (i == 0 || !isWordByte(s[i-1])) && cfHeadAt(s, i) {
			return true
		}
	}
	return false
}

// cfHeadAt reports whether s at i has what maskCF takes first: 3
// letters, 3 letters, 2 digits (or omocodia letters), the month's letter,
// a space or a dash allowed between them.
func cfHeadAt(s string, i int) bool {
	for _, c := range []byte("aaa_aaa_dd_m") {
		if c == '_' {
			if i < len(s) && (s[i] == ' ' || s[i] == '-') {
				i++
			}
			continue
		}
		if i >= len(s) {
			return false
		}
		b := s[i]
		switch c {
		case 'a':
			if !isLetterByte(b) {
				return false
			}
		case 'd':
			if !isDigitByte(b) && !(isLetterByte(b) && strings.IndexByte("LMNPQRSTUV", upperByte(b)) >= 0) {
				return false
			}
		case 'm':
			if !isLetterByte(b) || strings.IndexByte("ABCDEHLMPRST", upperByte(b)) < 0 {
				return false
			}
		}
		i++
	}
	return true
}

func isLetterByte(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigitByte(c byte) bool  { return c >= '0' && c <= '9' }
func isWordByte(c byte) bool   { return isLetterByte(c) || isDigitByte(c) || c == '_' }
func upperByte(c byte) byte    { return c &^ 0x20 }

func isPhone(m string) bool {
	m = strings.TrimSpace(m)
	d := countDigits(m)
	return d >= 8 && d <= 15 && !(maskDate.MatchString(m) && calendarDate(m)) && !isIPv4(m)
}

// isIPv4 reports whether m is an IPv4 address (four numbers 0 to 255
// without leading zeros, joined by dots), as in a resolver's or a
// server's address in an error: not a phone number.
func isIPv4(m string) bool {
	parts := 0
	for p := range strings.SplitSeq(m, ".") {
		parts++
		if parts > 4 || p == "" || len(p) > 3 || len(p) > 1 && p[0] == '0' {
			return false
		}
		n := 0
		for i := range len(p) {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
			n = n*10 + int(p[i]-'0')
		}
		if n > 255 {
			return false
		}
	}
	return parts == 4
}

func isLongNumber(m string) bool {
	d := countDigits(m)
	return d > 15
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			n++
		}
	}
	return n
}
