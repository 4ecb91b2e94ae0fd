package flows

import (
	"reflect"
	"strings"
	"testing"
)

func TestMaskPII(t *testing.T) {
	tests := []struct{ in, want string }{
		{"scrivimi a mario.rossi@example.it grazie", "scrivimi a [email] grazie"},
		{"il mio numero è +39 333 123 4567", "il mio numero è [phone]"},
		{"ordine A12345 non arrivato", "ordine [order] non arrivato"},
		{"ORD-2024-0001 please", "[order] please"},
		{"ho 3 figli e 2 gatti", "ho 3 figli e 2 gatti"},
		{"call 555-1234", "call 555-1234"},
		// Grouped order codes and announced order numbers.
		{"pedido AB-12-3456 atrasado", "pedido [order] atrasado"},
		{"where is order #123456?", "where is order #[order]?"},
		{"ordine n. 98765 in ritardo", "ordine n. [order] in ritardo"},
		{"my order 20240001 is late", "my order [order] is late"},
		{"commande: 4567", "commande: [order]"},
		// Phones in other shapes, including full-width and Arabic-Indic digits.
		{"chiamami al 0039 (02) 1234-5678", "chiamami al [phone]"},
		{"tel 333/1234567", "tel [phone]"},
		{"numero ３３３１２３４５６７", "numero [phone]"},
		{"رقمي ٠٥٠١٢٣٤٥٦٧", "رقمي [phone]"},
		// Unicode e-mail local part.
		{"josé.núñez@correo.es", "[email]"},
		// Card-length numbers are not phones but are masked all the same.
		{"carta 4111 1111 1111 1111", "carta [number]"},
		// Dates, years, prices and short codes stay.
		{"consegna il 12.03.2024", "consegna il 12.03.2024"},
		// ISO dates and a date followed by a time are dates too, and a
		// phone after a date is still a phone.
		{"consegna 2024-03-12", "consegna 2024-03-12"},
		{"order ORD-2024-0001 on 2024-03-12", "order [order] on 2024-03-12"},
		{"spedito 2024/03/12 10:30", "spedito 2024/03/12 10:30"},
		{"arrivato il 12/03/2024 15:30", "arrivato il 12/03/2024 15:30"},
		{"il 12.03.2024 10.30 chiamato", "il 12.03.2024 10.30 chiamato"},
		{"il 12/03/2024 333 1234567", "il 12/03/2024 [phone]"},
		{"dal 12/03/2024 14:00 - 12/03/2024 18:00", "dal 12/03/2024 14:00 - 12/03/2024 18:00"},
		{"consegna prevista (12/03/2024)", "consegna prevista (12/03/2024)"},
		{"chiamato il 12/03/2024 (333 1234567)", "chiamato il 12/03/2024 ([phone])"},
		{"tel 06-12-34-56-78", "tel [phone]"},
		// Digits grouped like a date that no calendar has are a phone's.
		{"chiamami al 333 12-34-56", "chiamami al [phone]"},
		{"tel (02) 12.34.5678", "tel [phone]"},
		{"il mio numero è 0612 34-56-78", "il mio numero è [phone]"},
		{"+39 333 1234.56.78", "[phone]"},
		{"tel 0612-34-56", "tel [phone]"},
		{"call 555 12-31-2024 now", "call 555 12-31-2024 now"},
		{"nel 2024 ho pagato 129,90 euro", "nel 2024 ho pagato 129,90 euro"},
		{"voglio un operatore!!", "voglio un operatore!!"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskPII(tt.in); got != tt.want {
			t.Errorf("MaskPII(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPIIIdempotent(t *testing.T) {
	in := "mail a@b.it, tel +39 333 123 4567, ordine #55555 e ORD-2024-0001"
	once := MaskPII(in)
	if twice := MaskPII(once); twice != once {
		t.Errorf("MaskPII is not idempotent: %q then %q", once, twice)
	}
	for _, leak := range []string{"a@b.it", "333", "55555", "2024"} {
		if strings.Contains(once, leak) {
			t.Errorf("MaskPII(%q) = %q still contains %q", in, once, leak)
		}
	}
}

func TestExtractPII(t *testing.T) {
	tests := []struct {
		in   string
		want map[string][]string
	}{
		{"ciao", nil},
		{"ho 3 figli", nil},
		{
			"scrivete a mario@example.it o al +39 333 123 4567, ordine A12345 e #987654",
			map[string][]string{
				"email": {"mario@example.it"},
				"phone": {"+39 333 123 4567"},
				"order": {"987654", "A12345"},
			},
		},
		{"user12345678@example.com", map[string][]string{"email": {"user12345678@example.com"}}},
		{"consegna il 12.03.2024", nil},
		{"consegna 2024-03-12 15:30", nil},
		{"il 12/03/2024 333 1234567", map[string][]string{"phone": {"333 1234567"}}},
	}
	for _, tt := range tests {
		if got := ExtractPII(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ExtractPII(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzMaskPII(f *testing.F) {
	for _, s := range []string{"a@b.it", "+39 333 123 4567", "ORD-2024-0001", "#12345", "３３３１２３４５６７", "12.03.2024", "(00 000 000 000 000A0000", "000000000A00000000000000000000A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := MaskPII(s)
		if MaskPII(m) != m {
			t.Errorf("MaskPII not idempotent on %q: %q", s, m)
		}
		for kind, vs := range ExtractPII(s) {
			for _, v := range vs {
				if kind != "order" && strings.Contains(m, v) {
					t.Errorf("MaskPII(%q) = %q leaks %s %q", s, m, kind, v)
				}
			}
		}
	})
}

func BenchmarkMaskPII(b *testing.B) {
	for _, in := range []string{"il pacco non è arrivato, voglio parlare con qualcuno", "ordine A12345, tel +39 333 123 4567"} {
		b.Run(in[:10], func(b *testing.B) {
			for b.Loop() {
				MaskPII(in)
			}
		})
	}
}

// An IP address in an error (a resolver's, a server's) is no phone
// number: it was masked as [phone], hiding which server failed. A phone
// number written with dots still is one.
func TestMaskPIIKeepsIPAddresses(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`dial tcp: lookup graph.facebook.com on 192.168.100.254:53: no such host`, `dial tcp: lookup graph.facebook.com on 192.168.100.254:53: no such host`},
		{`dial tcp 10.120.130.140:443: connect: connection refused`, `dial tcp 10.120.130.140:443: connect: connection refused`},
		{`from 100.64.100.200 and 172.16.254.1`, `from 100.64.100.200 and 172.16.254.1`},
		{`chiamami al 333.123.4567`, `chiamami al [phone]`},
		{`appelez le 06.12.34.56.78`, `appelez le [phone]`},
		{`call 212.555.0123 or 020.7946.0958`, `call [phone] or [phone]`},
	} {
		if got := MaskPII(tt.in); got != tt.want {
			t.Errorf("MaskPII(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
