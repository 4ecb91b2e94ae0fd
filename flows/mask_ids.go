package flows

import (
	"regexp"
	"strings"
	"unicode"
)

// Identity and bank data MaskPII also masks: Italian codici fiscali,
// Spanish DNI, NIE and NIF, card security codes and whole IBANs. They are
// masked before orders and phones, whose patterns would otherwise take
// their digits and leave the rest (the "IT60" of an IBAN, the letter of a
// DNI) in the text.
var (
	// A codice fiscale: 6 letters, 2 digits, the month's letter, 2
	// digits, a letter, 3 digits, the check letter; omocodia replaces
	// digits with LMNPQRSTUV. A space or a dash may split its parts:
	// "RSS MRA 85T10 A562S", "RSSMRA 85 T 10 A562 S".
	maskCF = regexp.MustCompile(`(?i)\b[A-Z]{3}[ \-]?[A-Z]{3}[ \-]?[0-9LMNPQRSTUV]{2}[ \-]?[ABCDEHLMPRST][ \-]?[0-9LMNPQRSTUV]{2}[ \-]?[A-Z][0-9LMNPQRSTUV]{3}[ \-]?[A-Z]\b`)
	// A DNI (the NIF of a person: 8 digits and a letter) or a NIE (X, Y
	// or Z, 7 digits, a letter); a dot or dash may split them, a space
	// only next to upper-case letters ("12345678 Z", "X 1234567 L", not
	// "12345678 a Milano").
	maskDNI = regexp.MustCompile(`\b(?:\d{8}[ .\-]?[A-Z]|\d{8}[.\-]?[a-z]|[XYZ][ .\-]?\d{7}[ .\-]?[A-Z]|[XYZxyz][.\-]?\d{7}[.\-]?[A-Za-z])\b`)
	// An IBAN: a country code, 2 check digits, then 11 to 30 letters and
	// digits, possibly in groups of four split by spaces or dashes.
	maskIBAN = regexp.MustCompile(`(?i)\b[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){11,30}\b`)
	// A security code announced as one: "CVV 123", "cvc: 1234", "codice di
	// sicurezza 123", "código de seguridad 123", also with up to four
	// words between: a verb, "number", the card ("my CVV is 123", "cvv
	// number 123", "il codice di sicurezza della carta è 123", "el código
	// de seguridad de mi tarjeta es 123"), or glued to it ("CVV123").
	maskCVV = regexp.MustCompile(`(?i)\b(cvv2?|cvc2?|csc|cid|codice(?: di)? sicurezza|codice cvv|security code|c[oó]digo de seguridad)(\b\W{0,4}(?:[\p{L}'’]{1,12}\W{1,4}){0,4}|)\p{Nd}{3,4}\b`)
)

// More PII placeholders written by MaskPII.
const (
	// MaskedID replaces a national identity or tax number (codice
	// fiscale, DNI, NIE, NIF).
	MaskedID = "[id]"
	// MaskedIBAN replaces a bank account number.
	MaskedIBAN = "[iban]"
	// MaskedCVV replaces a card security code (the word before it stays).
	MaskedCVV = "[cvv]"
)

// ibanCountries are the countries whose accounts have an IBAN, with the
// length of their IBANs (the SWIFT IBAN registry).
var ibanCountries = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
	"MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
	"NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
	"SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// ibanLen returns how much of the candidate m is an IBAN: its country
// must have IBANs, and its length (spaces and dashes left out) must be
// about the country's (a character more or less still masks: a typo is
// still an account). A grouped IBAN (spaces or dashes) may have swallowed
// the words after it ("IT60 X054 ... 456 per favore", "... 456 e 3
// figli", "... 1332 y ES91 2100"): it is given back from the end, cut
// only before a group with no digit (a word, not the rest of a long
// number), and the longest part of the exact length wins over one a
// character off (the "y" stays). 0 means none.
func ibanLen(m string) int {
	n, ok := ibanCountries[strings.ToUpper(m[:2])]
	if !ok {
		return 0
	}
	near := 0
	for p := m; ; {
		compact := len(p) - strings.Count(p, " ") - strings.Count(p, "-")
		if compact < n-1 {
			return near
		}
		if len(p) == len(m) || !groupHasDigit(m[len(p)+1:]) {
			switch {
			case compact == n:
				return len(p)
			case compact <= n+1 && near == 0:
				near = len(p)
			}
		}
		i := strings.LastIndexAny(p, " -")
		if i < 0 {
			return near
		}
		p = p[:i]
	}
}

// groupHasDigit reports whether the first group of s (up to a space or a
// dash) has a digit.
func groupHasDigit(s string) bool {
	if i := strings.IndexAny(s, " -"); i >= 0 {
		s = s[:i]
	}
	return strings.ContainsAny(s, "0123456789")
}

// maskIDs masks IBANs, codici fiscali, DNI/NIE and announced CVVs.
func maskIDs(s string, h hints) string {
	if h.iban {
		s, h = rescan(s, maskIBANs(s), h)
	}
	if h.digits >= 7 && h.asciiRun >= 7 {
		s, h = rescan(s, maskDNI.ReplaceAllString(s, MaskedID), h)
	}
	if h.cf {
		s, h = rescan(s, maskCF.ReplaceAllString(s, MaskedID), h)
	}
	if h.digits >= 3 && h.cvv {
		s = maskCVVs(s)
	}
	return s
}

// maskIBANs replaces the IBANs maskIBAN and ibanLen find with [iban]. The
// search goes on where an IBAN ends, not where its candidate did: what
// was given back may hold the next one. It goes on at a space, a dash or
// the end of a word, so \b means there what it means in s.
func maskIBANs(s string) string {
	var b strings.Builder
	last := 0
	for pos := 0; ; {
		l := maskIBAN.FindStringIndex(s[pos:])
		if l == nil {
			break
		}
		start, end := pos+l[0], pos+l[1]
		pos = end
		if n := ibanLen(s[start:end]); n > 0 {
			b.WriteString(s[last:start])
			b.WriteString(MaskedIBAN)
			last = start + n
			pos = last
		}
	}
	if last == 0 {
		return s
	}
	return b.String() + s[last:]
}

// maskCVVs replaces the codes maskCVV finds with [cvv], but not the first
// group of a longer number ("cvv della carta 4111 1111 1111 1111"): that
// is a card number, which the phone pattern masks whole.
func maskCVVs(s string) string {
	locs := maskCVV.FindAllStringSubmatchIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		if digitGroupNext(s[l[1]:]) {
			continue
		}
		b.WriteString(s[last:l[5]]) // the word and what follows it
		b.WriteString(MaskedCVV)
		last = l[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// digitGroupNext reports whether rest starts with a space, dot or dash
// and four digits or more: the next group of a card number.
func digitGroupNext(rest string) bool {
	if rest == "" || !strings.ContainsRune(" .-", rune(rest[0])) {
		return false
	}
	n := 0
	for _, r := range rest[1:] {
		if !unicode.IsDigit(r) {
			break
		}
		n++
	}
	return n >= 4
}

// cvvWords may announce a security code.
var cvvWords = []string{"cvv", "cvc", "csc", "cid", "sicurezza", "security", "seguridad"}

func mentionsCVV(s string) bool {
	for _, w := range cvvWords {
		if containsFold(s, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII word w in
// any case: strings.Contains(strings.ToLower(s), w) without the copy (no
// other letter lowers to one of w's).
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for j < len(w) && s[i+j]|0x20 == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}
