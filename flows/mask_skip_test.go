package flows

import (
	"math/rand/v2"
	"testing"
	"unicode"
)

// The hints let MaskPII skip a pattern only when it could not change the
// text. These tests hold it to that: MaskPII gives what running every
// pattern gates only on the digit counts (maskPIIPlain) gives.

// maskPIIPlain is MaskPII with only the digit-count gates.
func maskPIIPlain(s string) string {
	for range 3 {
		digits, at, run4 := 0, false, false
		run := 0
		for _, r := range s {
			switch {
			case r == '@':
				at, run = true, 0
			case unicode.IsDigit(r):
				digits++
				run++
				run4 = run4 || run >= 4
			default:
				run = 0
			}
		}
		cvv := digits >= 3 && digits < 30 && mentionsCVV(s)
		if !at && digits < 4 && !(digits >= 3 && cvv) {
			return s
		}
		m := maskOncePlain(s, at, run4, digits, cvv)
		if m == s {
			return s
		}
		s = m
	}
	return s
}

func maskOncePlain(s string, at, run4 bool, digits int, cvv bool) string {
	if at {
		s = maskEmail.ReplaceAllString(s, MaskedEmail)
	}
	if digits >= 7 {
		s = maskIBANs(s)
		s = maskDNI.ReplaceAllString(s, MaskedID)
	}
	if digits >= 3 {
		s = maskCF.ReplaceAllString(s, MaskedID)
	}
	if digits >= 3 && cvv {
		s = maskCVVs(s)
	}
	if run4 {
		s = maskOrderRef.ReplaceAllString(s, "${1}"+MaskedOrder)
	}
	if digits >= 4 {
		s = maskOrder.ReplaceAllStringFunc(s, func(m string) string {
			if countDigits(m) < 4 {
				return m
			}
			return MaskedOrder
		})
	}
	if digits < 8 {
		return s
	}
	return maskPhone.ReplaceAllStringFunc(s, maskPhoneCandidate)
}

var skipCases = []string{
	"01KBX3V8Q4Z5M2N7P9R1S3T5V7:open", "01KBX3V8Q4Z5M2N7P9R1S3T5V7:append:3:1",
	"whatsapp:106540352242922:393331234567-mfe2k3-4-reply-0", "T-1", "ORD-2024-0001",
	"IT60X0542811101000000123456", "xIT60X0542811101000000123456", "a1234567@x.com GB29NWBKABCDEFGHIJKLMNO",
	"RSSMRA85T10A562S", "RSSMRA85T10A562S_", "_RSSMRA85T10A562S", "rssmra85t10a562s", "RSSMRALPTMLARSNS 123",
	"\u212aSSMRA85T10A562S", "\u017fSSMRA85T10A562S 12", "I\u212a60X0542811101000000123456",
	"12345678Z", "X1234567L", "x-1234567-t", "+39 333 123 4567", "(02) 1234-5678", "333/1234567",
	"４１１１ １１１１ １１１１ １１１１", "cvv 123", "CVC: 1234", "codice di sicurezza 987", "a@b.it 4111111111111111",
	"#12345", "ordine n. 98765", "12.03.2024", "A12345", "AB-12-3456", "ab/1234/5", "5-5-5-5", "1 2 3 4 5 6 7 8",
	"wamid.baton12345", "wamid.HBgLMzkzMzMxMjM0NTY3FQIAEhgUM0E0", "abcde12345", "abcd12345", "x_ab1234", "9ab1234", "ab#1234",
	"ORDER 12345", "Ordem 4444", "pedido nº 12345", "commande: 55555", "BESTELLUNG Nr. 1234", "auftrag #9999",
	"encomenda 12345", "Order1234", "reorder 12345", "\u017fome order 1234", "Be\u017ftellung 1234",
	"RSS MRA 85T10 A562S", "rss-mra 85 t 10 a562 s", "RSSMRA 85T10 A562S", "xRSS MRA 85T10 A562S", "RSS MRA LPTML ARSNS 123",
	"\u212aSS MRA 85T10 A562S", "CVV123", "cvc1234", "IT60-X054-2811-1010-0000-0123-456", "IT60 X054 2811 1010 0000 0123 456 e 3 figli",
	"ES91 2100 0418 4502 0005 1332 y ES91 2100 0418 4502 0005 1332",
}

func TestMaskPIISkipsOnlyWhatCannotMatch(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := MaskPII(s), maskPIIPlain(s); got != want {
			t.Errorf("MaskPII(%q) = %q, but every pattern gives %q", s, got, want)
		}
	}
	for _, s := range skipCases {
		check(s)
	}
	// Random text from the characters the patterns are about.
	alphabet := []rune("0123456789012345678901234567890123456789ABCITESGBXYZabcdeitxyz _-/.()+#@:\u212a\u017f３٣é")
	// Words that announce an order, to glue between the cases below.
	words := []string{"order ", "ORDINE n. ", "Pedido nº ", "commande ", "Bestellung ", "auftrag:", "encomenda ", "ordem #", "abc", "wamid."}
	r := rand.New(rand.NewPCG(7, 8))
	for range 5000 {
		b := make([]rune, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		check(string(b))
	}
	// Pieces of the cases glued together.
	for range 2000 {
		check(skipCases[r.IntN(len(skipCases))] + string(alphabet[r.IntN(len(alphabet))]) + skipCases[r.IntN(len(skipCases))])
		check(words[r.IntN(len(words))] + skipCases[r.IntN(len(skipCases))] + string(alphabet[r.IntN(len(alphabet))]) + words[r.IntN(len(words))])
	}
}

func FuzzMaskPIISkips(f *testing.F) {
	for _, s := range skipCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := MaskPII(s), maskPIIPlain(s); got != want {
			t.Errorf("MaskPII(%q) = %q, but every pattern gives %q", s, got, want)
		}
	})
}

func BenchmarkMaskPIIIDs(b *testing.B) {
	for _, in := range []string{"01KBX3V8Q4Z5M2N7P9R1S3T5V7:open", "whatsapp:106540352242922:393331234567-mfe2k3-4-reply-0"} {
		b.Run(in[:8], func(b *testing.B) {
			for b.Loop() {
				MaskPII(in)
			}
		})
	}
}
