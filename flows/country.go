package flows

import "strings"

// PhoneCountry returns the ISO 3166-1 country of an international phone
// number by its calling code ("+39 333 123 4567" → "IT"), or "" when the
// number is not international or the code unknown. A number is taken as
// international when it starts with + or 00, or is 11 to 15 bare digits
// (WhatsApp's numbers are E.164 without the +). It is the engine's
// user.country when the contact's Meta has none, what conversation_started
// records (EventUser.Country) so that a replay, which never sees the
// phone, gets the same, and the country handoff routing matches on.
func PhoneCountry(phone string) string {
	var b strings.Builder
	plus := false
	for i, r := range strings.TrimSpace(phone) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return ""
		}
	}
	digits := b.String()
	switch {
	case plus:
	case strings.HasPrefix(digits, "00"):
		digits = digits[2:]
	case len(digits) >= 11 && len(digits) <= 15:
	default:
		return ""
	}
	if len(digits) < 7 || len(digits) > 15 {
		return ""
	}
	for n := min(7, len(digits)); n > 0; n-- {
		if c, ok := countryPrefixes[digits[:n]]; ok {
			return c
		}
	}
	return ""
}

// countryPrefixes maps E.164 calling codes (and a few longer prefixes that
// split a shared code) to ISO 3166-1 alpha-2 countries: Europe, the
// Americas and the most common others. PhoneCountry takes the longest
// matching prefix.
var countryPrefixes = map[string]string{
	// Europe
	"30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES", "350": "GI", "351": "PT", "352": "LU",
	"353": "IE", "354": "IS", "355": "AL", "356": "MT", "357": "CY", "358": "FI", "359": "BG", "36": "HU",
	"370": "LT", "371": "LV", "372": "EE", "373": "MD", "374": "AM", "375": "BY", "376": "AD", "377": "MC",
	"378": "SM", "380": "UA", "381": "RS", "382": "ME", "383": "XK", "385": "HR", "386": "SI", "387": "BA",
	"389": "MK", "39": "IT", "3906698": "VA", "40": "RO", "41": "CH", "420": "CZ", "421": "SK", "423": "LI",
	"43": "AT", "44": "GB", "45": "DK", "46": "SE", "47": "NO", "48": "PL", "49": "DE", "298": "FO", "299": "GL",
	"7": "RU", "76": "KZ", "77": "KZ", "90": "TR", "994": "AZ", "995": "GE",
	// North America (NANP: +1 is the US unless the area code says otherwise)
	"1":    "US",
	"1204": "CA", "1226": "CA", "1236": "CA", "1249": "CA", "1250": "CA", "1263": "CA", "1289": "CA", "1306": "CA",
	"1343": "CA", "1354": "CA", "1365": "CA", "1367": "CA", "1368": "CA", "1382": "CA", "1403": "CA", "1416": "CA",
	"1418": "CA", "1428": "CA", "1431": "CA", "1437": "CA", "1438": "CA", "1450": "CA", "1468": "CA", "1474": "CA",
	"1506": "CA", "1514": "CA", "1519": "CA", "1548": "CA", "1579": "CA", "1581": "CA", "1584": "CA", "1587": "CA",
	"1604": "CA", "1613": "CA", "1639": "CA", "1647": "CA", "1672": "CA", "1683": "CA", "1705": "CA", "1709": "CA",
	"1742": "CA", "1753": "CA", "1778": "CA", "1780": "CA", "1782": "CA", "1807": "CA", "1819": "CA", "1825": "CA",
	"1867": "CA", "1873": "CA", "1879": "CA", "1902": "CA", "1905": "CA",
	"1242": "BS", "1246": "BB", "1268": "AG", "1284": "VG", "1345": "KY", "1441": "BM", "1473": "GD",
	"1658": "JM", "1876": "JM", "1721": "SX", "1758": "LC", "1767": "DM", "1784": "VC", "1787": "PR", "1939": "PR",
	"1809": "DO", "1829": "DO", "1849": "DO", "1868": "TT", "1869": "KN",
	// Central and South America
	"52": "MX", "53": "CU", "501": "BZ", "502": "GT", "503": "SV", "504": "HN", "505": "NI", "506": "CR",
	"507": "PA", "509": "HT", "51": "PE", "54": "AR", "55": "BR", "56": "CL", "57": "CO", "58": "VE",
	"591": "BO", "592": "GY", "593": "EC", "594": "GF", "595": "PY", "597": "SR", "598": "UY",
	// Africa
	"20": "EG", "212": "MA", "213": "DZ", "216": "TN", "218": "LY", "221": "SN", "225": "CI", "233": "GH",
	"234": "NG", "237": "CM", "251": "ET", "254": "KE", "255": "TZ", "256": "UG", "27": "ZA",
	// Asia and Oceania
	"60": "MY", "61": "AU", "62": "ID", "63": "PH", "64": "NZ", "65": "SG", "66": "TH", "81": "JP",
	"82": "KR", "84": "VN", "852": "HK", "853": "MO", "855": "KH", "86": "CN", "880": "BD", "886": "TW",
	"91": "IN", "92": "PK", "93": "AF", "94": "LK", "95": "MM", "960": "MV", "961": "LB", "962": "JO",
	"963": "SY", "964": "IQ", "965": "KW", "966": "SA", "967": "YE", "968": "OM", "970": "PS", "971": "AE",
	"972": "IL", "973": "BH", "974": "QA", "977": "NP", "98": "IR", "998": "UZ",
}
