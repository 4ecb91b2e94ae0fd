package flows

import (
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Spedizione", "spedizione"},
		{"SPEDIZIÓNE", "spedizione"},
		{"ＳＰＥＤＩＺＩＯＮＥ", "spedizione"},
		{"Perché è così", "perche e cosi"},
		{"Straße", "strasse"},
		{"😡\uFE0F", "😡"},
		{"ÑANDÚ", "nandu"},
		{"already folded", "already folded"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkFold(b *testing.B) {
	for _, in := range []string{"voglio parlare con un operatore", "Perché il mio ordine non è arrivato? 😡"} {
		b.Run(in[:8], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Fold(in)
			}
		})
	}
}

// The table path must agree with the general one.
func TestFoldTableMatchesSlow(t *testing.T) {
	for _, in := range []string{"Perché è così", "ÀÉÎÕÜ ñ ç ß Œuvre", "ｏｒｄｉｎｅ Ａ１２３４５", "e\u0301", "ok 👍🏽 !!!", "Ǆ ǅ ǆ"} {
		if fast, ok := foldTable(in); ok && fast != foldSlow(in) {
			t.Errorf("foldTable(%q) = %q, foldSlow = %q", in, fast, foldSlow(in))
		}
	}
	if _, ok := foldTable("Привет"); ok {
		t.Error("foldTable handled Cyrillic; it should defer to foldSlow")
	}
	if got := Fold("Привет"); got != "привет" {
		t.Errorf("Fold(Привет) = %q", got)
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Perché", "ＳＰＥＤＩＺＩＯＮＥ", "😡\uFE0F", "Straße", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.ToValidUTF8(s, "\uFFFD") // as Fold does first
		if fast, ok := foldTable(s); ok {
			if slow := foldSlow(s); fast != slow {
				t.Errorf("foldTable(%q) = %q, foldSlow = %q", s, fast, slow)
			}
		}
	})
}
