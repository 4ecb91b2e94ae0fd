package flows

import (
	"regexp"
	"strings"
	"unicode"
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
	maskOrderRef = regexp.MustCompile(`(?i)(#\s?|\b(?:order|ordine|pedido|commande|bestellung|auftrag|encomenda|ordem)\s*(?:(?:n|nr|no|num|n°|nº)\.?\s*)?[:#]?\s*)(\p{Nd}{4,})`)
	// A date (12.03.2024, 1-2-24): digits in it are not a phone number.
	maskDate = regexp.MustCompile(`^\p{Nd}{1,2}[./\-]\p{Nd}{1,2}[./\-](?:\p{Nd}{2}|\p{Nd}{4})$`)
)

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
func maskOnce(s string, h hints) string {
	if h.at {
		s = maskEmail.ReplaceAllString(s, MaskedEmail)
	}
	s = maskIDs(s, h)
	if h.run4 {
		s = maskOrderRef.ReplaceAllString(s, "${1}"+MaskedOrder)
	}
	if h.digits >= 4 {
		s = maskOrder.ReplaceAllStringFunc(s, func(m string) string {
			if countDigits(m) < 4 {
				return m
			}
			return MaskedOrder
		})
	}
	if h.digits < 8 {
		return s
	}
	s = maskPhone.ReplaceAllStringFunc(s, func(m string) string {
		switch {
		case isPhone(m):
			return MaskedPhone
		case isLongNumber(m):
			return MaskedNumber
		}
		return m
	})
	return s
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
		if isPhone(m) {
			add("phone", strings.TrimSpace(m))
		}
	}
	return out
}

// hints say which patterns can match s: an e-mail needs an @, an order
// reference a run of 4 digits, an order code 4 digits, a phone 8.
type hints struct {
	at     bool
	run4   bool
	digits int
	// cvv: a word that may announce a security code ("CVV", "sicurezza").
	cvv bool
}

func (h hints) any() bool { return h.at || h.digits >= 4 || h.digits >= 3 && h.cvv }

func scan(s string) hints {
	var h hints
	run := 0
	for _, r := range s {
		switch {
		case r == '@':
			h.at = true
			run = 0
		case unicode.IsDigit(r):
			h.digits++
			run++
			if run >= 4 {
				h.run4 = true
			}
		default:
			run = 0
		}
	}
	if h.digits >= 3 && h.digits < 30 {
		h.cvv = mentionsCVV(s)
	}
	return h
}

func isPhone(m string) bool {
	m = strings.TrimSpace(m)
	d := countDigits(m)
	return d >= 8 && d <= 15 && !maskDate.MatchString(m)
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
