package flows

import "testing"

// PhoneCountry is user.country and the country handoff routing matches
// on: one table, one reading of a number. It read only numbers with + or
// 00, so a WhatsApp customer (whose phone is E.164 digits without the +)
// had no user.country while the routing found one, and it had no NANP
// area codes, so a Canadian number was "US" to the flow and "CA" to the
// routing.
func TestPhoneCountry(t *testing.T) {
	tests := map[string]string{
		"+39 333 123 4567":   "IT",
		"+393331234567":      "IT",
		"0039 333 1234567":   "IT",
		"393331234567":       "IT", // a WhatsApp number
		"+1 (212) 555-0100":  "US",
		"+1 416 555 0100":    "CA",
		"14165550100":        "CA",
		"+1 787 555 0100":    "PR",
		"+44 20 7946 0958":   "GB",
		"+351 912 345 678":   "PT",
		"+7 495 123 4567":    "RU",
		"+7 701 123 4567":    "KZ",
		"+378 0549 123456":   "SM",
		"3331234567":         "", // a national number: unknown
		"+999 1234 5678":     "",
		"not a phone":        "",
		"":                   "",
		"+39 333 123 4567 x": "",
	}
	for in, want := range tests {
		if got := PhoneCountry(in); got != want {
			t.Errorf("PhoneCountry(%q) = %q, want %q", in, got, want)
		}
	}
}
