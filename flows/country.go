package flows

import "strings"

// PhoneCountry maps a phone number's international prefix to an ISO 3166 code for the
// most common prefixes; empty when unknown. It is the engine's user.country
// when the contact's Meta has none, and what conversation_started records
// (EventUser.Country) so that a replay, which never sees the phone, gets
// the same.
func PhoneCountry(phone string) string {
	p, ok := strings.CutPrefix(phone, "+")
	if !ok {
		if p, ok = strings.CutPrefix(phone, "00"); !ok {
			return ""
		}
	}
	for n := 3; n >= 1; n-- {
		if len(p) >= n {
			if cc, ok := countryPrefixes[p[:n]]; ok {
				return cc
			}
		}
	}
	return ""
}

var countryPrefixes = map[string]string{
	"1": "US", "7": "RU", "20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES",
	"36": "HU", "39": "IT", "40": "RO", "41": "CH", "43": "AT", "44": "GB", "45": "DK", "46": "SE", "47": "NO",
	"48": "PL", "49": "DE", "51": "PE", "52": "MX", "53": "CU", "54": "AR", "55": "BR", "56": "CL", "57": "CO",
	"58": "VE", "60": "MY", "61": "AU", "62": "ID", "63": "PH", "64": "NZ", "65": "SG", "66": "TH", "81": "JP",
	"82": "KR", "84": "VN", "86": "CN", "90": "TR", "91": "IN", "92": "PK", "212": "MA", "234": "NG", "351": "PT",
	"353": "IE", "356": "MT", "358": "FI", "378": "SM", "380": "UA", "385": "HR", "386": "SI", "420": "CZ", "971": "AE",
}
