package flows

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitText(t *testing.T) {
	tests := []struct {
		name string
		s    string
		max  int
		want []string
	}{
		{"fits", "hello world", 20, []string{"hello world"}},
		{"empty", "", 10, nil},
		{"words", "one two three four", 9, []string{"one two", "three", "four"}},
		{"paragraph first", "aaaa bbbb\n\ncccc dddd", 16, []string{"aaaa bbbb", "cccc dddd"}},
		{"line", "aaaa bbbb\ncc dd ee", 14, []string{"aaaa bbbb", "cc dd ee"}},
		{"sentence", "Hi there. How are you today", 16, []string{"Hi there.", "How are you", "today"}},
		{"long word cut", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"runes not bytes", "àèìòù àèìòù", 5, []string{"àèìòù", "àèìòù"}},
		{"no early cut", "a bcdefghijkl", 6, []string{"a bcde", "fghijk", "l"}},
		// A cut mid-word never splits what a reader sees as one character.
		{"skin tone kept", "👍🏽👍🏽👍🏽", 3, []string{"👍🏽", "👍🏽", "👍🏽"}},
		{"flags kept", "🇮🇹🇪🇸🇫🇷", 3, []string{"🇮🇹", "🇪🇸", "🇫🇷"}},
		{"combining accent kept", "cafe\u0301cafe\u0301", 4, []string{"caf", "e\u0301ca", "fe\u0301"}},
		{"zwj sequence kept", "ab👩\u200d💻", 4, []string{"ab", "👩\u200d💻"}},
		{"cluster over max cut anyway", "👩\u200d👩\u200d👧", 2, []string{"👩\u200d", "👩\u200d", "👧"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitText(tt.s, tt.max)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("SplitText(%q, %d) = %q, want %q", tt.s, tt.max, got, tt.want)
			}
		})
	}
}

func TestSplitTextLimits(t *testing.T) {
	s := strings.Repeat("Il pacco è in consegna 📦. ", 400)
	for _, max := range []int{4096, 1024, 20, 3, 1} {
		for _, p := range SplitText(s, max) {
			if n := utf8.RuneCountInString(p); n > max || n == 0 {
				t.Fatalf("max %d: part of %d runes", max, n)
			}
			if !utf8.ValidString(p) {
				t.Fatalf("max %d: invalid UTF-8 part %q", max, p)
			}
		}
	}
	for _, p := range SplitTextUTF16(strings.Repeat("📦", 5000), 4096) {
		if n := utf8.RuneCountInString(p) * 2; n > 4096 {
			t.Fatalf("UTF-16 part of %d units", n)
		}
	}
	if got := SplitTextUTF16("📦📦📦", 1); len(got) != 3 {
		t.Errorf("a character wider than max: %q", got)
	}
}

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		s    string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"a longer description", 10, "a longer…"},
		{"àèìòùàèìòù", 5, "àèìò…"},
		{"x", 0, ""},
		{"Italia 🇮🇹🇮🇹", 9, "Italia…"}, // not half a flag
		{"Italia 🇮🇹🇮🇹", 10, "Italia 🇮🇹…"},
		{"cafe\u0301 aperto", 5, "caf…"},
	} {
		if got := Clip(tt.s, tt.max); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.s, tt.max, got, tt.want)
		}
	}
}

func FuzzSplitText(f *testing.F) {
	f.Add("hello world. how are you?\n\nfine", 7)
	f.Add("📦📦 a", 1)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 1 || max > 5000 || !utf8.ValidString(s) {
			return
		}
		parts := SplitText(s, max)
		joined := strings.Join(parts, "")
		if strings.Join(strings.Fields(joined), "") != strings.Join(strings.Fields(s), "") {
			t.Fatalf("text lost: %q -> %q", s, parts)
		}
		for _, p := range parts {
			if utf8.RuneCountInString(p) > max {
				t.Fatalf("part over %d: %q", max, p)
			}
		}
	})
}
