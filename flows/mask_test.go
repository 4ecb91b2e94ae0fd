package flows

import "testing"

func TestMaskPII(t *testing.T) {
	tests := []struct{ in, want string }{
		{"scrivimi a mario.rossi@example.it grazie", "scrivimi a [email] grazie"},
		{"il mio numero è +39 333 123 4567", "il mio numero è [phone]"},
		{"ordine A12345 non arrivato", "ordine [order] non arrivato"},
		{"ORD-2024-0001 please", "[order] please"},
		{"ho 3 figli e 2 gatti", "ho 3 figli e 2 gatti"},
		{"call 555-1234", "call 555-1234"},
	}
	for _, tt := range tests {
		if got := MaskPII(tt.in); got != tt.want {
			t.Errorf("MaskPII(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
