package flows

import (
	"strings"
	"testing"
)

func TestMaskIDs(t *testing.T) {
	tests := []struct{ in, want string }{
		// Italian codice fiscale, also with omocodia and in lower case.
		{"il mio codice fiscale è RSSMRA85T10A562S", "il mio codice fiscale è [id]"},
		{"cf: rssmra85t10a562s grazie", "cf: [id] grazie"},
		{"CF RSSMRA85T1LA562S", "CF [id]"},
		// ... also in the groups people type it in.
		{"codice fiscale RSS MRA 85T10 A562S", "codice fiscale [id]"},
		{"cf: rss mra 85t10 a562s grazie", "cf: [id] grazie"},
		{"il mio codice fiscale è RSSMRA 85T10 A562S", "il mio codice fiscale è [id]"},
		{"CF RSS MRA 85 T 10 A562 S", "CF [id]"},
		{"CF RSS-MRA-85T10-A562S", "CF [id]"},
		// Spanish DNI, NIE.
		{"mi DNI es 12345678Z", "mi DNI es [id]"},
		{"DNI 12345678-Z", "DNI [id]"},
		{"NIE X1234567L, gracias", "NIE [id], gracias"},
		{"nie y-1234567-t", "nie [id]"},
		// ... also spaced like a DNI ("12345678 Z"): the 7 digits are too
		// few for a phone, so nothing else would mask them.
		{"NIE X 1234567 L", "NIE [id]"},
		{"mi NIE es Y 1234567-L", "mi NIE es [id]"},
		// Whole IBANs, grouped or not: no "IT60" left behind.
		{"IBAN IT60X0542811101000000123456", "IBAN [iban]"},
		{"rimborso su IT60 X054 2811 1010 0000 0123 456 per favore", "rimborso su [iban] per favore"},
		{"cuenta ES91 2100 0418 4502 0005 1332", "cuenta [iban]"},
		// ... also when a number follows within reach of the pattern, or a
		// second IBAN: no "IT60 X" left behind.
		{"IT60 X054 2811 1010 0000 0123 456 e 3 figli", "[iban] e 3 figli"},
		{"IT60 X054 2811 1010 0000 0123 456 tel 333 1234567", "[iban] tel [phone]"},
		{"cuenta ES91 2100 0418 4502 0005 1332 o la IT60 X054 2811 1010 0000 0123 456", "cuenta [iban] o la [iban]"},
		{"ES91 2100 0418 4502 0005 1332 y ES91 2100 0418 4502 0005 1332", "[iban] y [iban]"},
		{"IT60 X054 2811 1010 0000 0123 4567 grazie", "[iban] grazie"},
		{"DE12 3456 7890 1234 5678 90 e poi 1234", "[iban] e poi 1234"},
		// ... but a long number is not cut into an IBAN and a rest.
		{"IT12 3456 7890 1234 5678 9012 3456 7890 12", "IT[number]"},
		// ... also grouped with dashes: no "IT60-" left behind.
		{"IBAN IT60-X054-2811-1010-0000-0123-456", "IBAN [iban]"},
		{"IBAN IT60-X054-2811-1010-0000-0123-456 grazie", "IBAN [iban] grazie"},
		{"IT60-X054-2811-1010-0000-0123-456-per favore", "[iban]-per favore"},
		{"IT60-X0542811101000000123456", "[iban]"},
		{"cuenta ES91-2100-0418-4502-0005-1332.", "cuenta [iban]."},
		{"my iban is gb29nwbk60161331926819", "my iban is [iban]"},
		// Every country of the IBAN registry, not only Europe's.
		{"UA21 3223 1300 0002 6007 2335 6600 1", "[iban]"},
		{"KZ86 125K ZT50 0410 0100 grazie", "[iban] grazie"},
		{"QA58 DOHB 0000 1234 5678 90AB CDEF G", "[iban]"},
		{"JO94 CBJO 0010 0000 0000 0131 0003 02", "[iban]"},
		{"SA03 8000 0000 6080 1016 7519", "[iban]"},
		{"AL47212110090000000235698741", "[iban]"},
		// Card security codes announced as such.
		{"carta 4111 1111 1111 1111, cvv 123", "carta [number], cvv [cvv]"},
		{"CVC: 1234", "CVC: [cvv]"},
		{"il codice di sicurezza è 987", "il codice di sicurezza è [cvv]"},
		{"código de seguridad 456", "código de seguridad [cvv]"},
		// ... also when a verb or "number" comes between.
		{"my CVV is 123", "my CVV is [cvv]"},
		{"my cvv number is 1234", "my cvv number is [cvv]"},
		{"el CVV es 123", "el CVV es [cvv]"},
		{"el código de seguridad es 789", "el código de seguridad es [cvv]"},
		{"il cvv e' 321", "il cvv e' [cvv]"},
		{"the security code is 456", "the security code is [cvv]"},
		{"the CVV is on the back, 3 digits", "the CVV is on the back, 3 digits"},
		// ... and when the card is named between the word and the code.
		{"il codice di sicurezza della carta è 123", "il codice di sicurezza della carta è [cvv]"},
		{"il cvv della mia carta: 456", "il cvv della mia carta: [cvv]"},
		{"the security code of my card is 123", "the security code of my card is [cvv]"},
		{"el código de seguridad de mi tarjeta es 123", "el código de seguridad de mi tarjeta es [cvv]"},
		// ... and glued to the word.
		{"CVV123", "CVV[cvv]"},
		{"il mio cvv123 grazie", "il mio cvv[cvv] grazie"},
		{"CVC1234, scade 12/27", "CVC[cvv], scade 12/27"},
		{"cvv:123", "cvv:[cvv]"},
		// A card number after the word is a number, not a code.
		{"cvv della carta 4111 1111 1111 1111", "cvv della carta [number]"},
		// What stays.
		{"ho 123 punti fedeltà", "ho 123 punti fedeltà"},
		{"ordine 12345678 a Milano", "ordine [order] a Milano"},
		{"the security guard was nice", "the security guard was nice"},
		{"ITALY 2024 ABCDEFGHIJKLMNO", "ITALY 2024 ABCDEFGHIJKLMNO"},
		// ... and what the other maskers own: order codes, dates,
		// phones stay theirs.
		{"ordine ORD-2024-0001 del 12-03-2024", "ordine [order] del 12-03-2024"},
		{"codici AB-12-3456 e IT-1234", "codici [order] e [order]"},
		{"DE-12-3456-7890-1234-5678", "[order]"},
		{"chiamami al 333-123-4567", "chiamami al [phone]"},
		{"tel 06-12-34-56-78", "tel [phone]"},
		{"il 12-03-2024 alle 15", "il 12-03-2024 alle 15"},
		{"cvvs 123", "cvvs 123"},
		{"RSS MRA 85 anni", "RSS MRA 85 anni"},
		{"mia sua tu a ss lqtv s e 123", "mia sua tu a ss lqtv s e 123"},
	}
	for _, tt := range tests {
		if got := MaskPII(tt.in); got != tt.want {
			t.Errorf("MaskPII(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestExtractPIISkipsIDs: an IBAN's or a DNI's digits are not reported as
// a phone or an order.
func TestExtractPIISkipsIDs(t *testing.T) {
	got := ExtractPII("IBAN IT60X0542811101000000123456, DNI 12345678Z, ordine A12345")
	if len(got["phone"]) > 0 || strings.Join(got["order"], ",") != "A12345" {
		t.Errorf("ExtractPII = %v, want only the order A12345", got)
	}
}
