package flows

import "regexp"

var (
	maskEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	// A phone: an optional +, then 8 to 15 digits possibly split by spaces,
	// dots, dashes or parentheses.
	maskPhone = regexp.MustCompile(`\+?\(?\d[\d .\-()]{6,18}\d`)
	// An order-like code: letters then at least 4 digits (A12345, ORD-2024-0001).
	maskOrder = regexp.MustCompile(`\b[A-Za-z]{1,4}-?\d{4,}(?:-\d+)*\b`)
)

// MaskPII replaces e-mail addresses, phone numbers and order-like codes in s
// with [email], [phone] and [order], so text can leave the process (an LLM
// call, a helpdesk ticket when masking is on) without personal data.
func MaskPII(s string) string {
	s = maskEmail.ReplaceAllString(s, "[email]")
	s = maskOrder.ReplaceAllString(s, "[order]")
	s = maskPhone.ReplaceAllStringFunc(s, func(m string) string {
		digits := 0
		for i := 0; i < len(m); i++ {
			if m[i] >= '0' && m[i] <= '9' {
				digits++
			}
		}
		if digits < 8 {
			return m
		}
		return "[phone]"
	})
	return s
}
