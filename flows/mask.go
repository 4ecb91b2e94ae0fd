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
// with [email], [phone] and [order], so text can leave the process (an LLM
// call, a helpdesk ticket when masking is on) without personal data. It errs
// on the side of masking: a long number that could be a phone is masked even
// when it is something else, and card-length numbers become [number]; short
// numbers ("3 figli", "555-1234") and dates are kept.
func MaskPII(s string) string {
	// Masking one kind can expose another (a code glued to a phone
	// number); a second pass settles it, a third is a safety net.
	for range 3 {
		if !mayHavePII(s) {
			return s
		}
		m := maskOnce(s)
		if m == s {
			return s
		}
		s = m
	}
	return s
}

func maskOnce(s string) string {
	s = maskEmail.ReplaceAllString(s, MaskedEmail)
	s = maskOrderRef.ReplaceAllString(s, "${1}"+MaskedOrder)
	s = maskOrder.ReplaceAllStringFunc(s, func(m string) string {
		if countDigits(m) < 4 {
			return m
		}
		return MaskedOrder
	})
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
	if !mayHavePII(s) {
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
	for _, m := range maskEmail.FindAllString(s, -1) {
		add("email", m)
	}
	s = maskEmail.ReplaceAllString(s, MaskedEmail)
	for _, m := range maskOrderRef.FindAllStringSubmatch(s, -1) {
		add("order", m[2])
	}
	s = maskOrderRef.ReplaceAllString(s, "${1}"+MaskedOrder)
	s = maskOrder.ReplaceAllStringFunc(s, func(m string) string {
		if countDigits(m) < 4 {
			return m
		}
		add("order", m)
		return MaskedOrder
	})
	for _, m := range maskPhone.FindAllString(s, -1) {
		if isPhone(m) {
			add("phone", strings.TrimSpace(m))
		}
	}
	return out
}

// mayHavePII is a fast pre-check: every pattern needs an @ or 4 digits.
func mayHavePII(s string) bool {
	digits := 0
	for _, r := range s {
		if r == '@' {
			return true
		}
		if unicode.IsDigit(r) {
			digits++
			if digits >= 4 {
				return true
			}
		}
	}
	return false
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
