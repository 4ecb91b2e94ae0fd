package flows

import "testing"

func TestSuggest(t *testing.T) {
	states := []string{"welcome", "ask_order", "ask_name", "faq", "human"}
	tests := []struct{ in, want string }{
		{"welcom", "welcome"},
		{"Welcome", "welcome"},
		{"ask_ordre", "ask_order"}, // transposition
		{"fax", "faq"},
		{"billing", ""},
		{"hum", "human"}, // a prefix
		{"as", ""},       // too short for a prefix
		{"", ""},
		{"welcome", ""}, // itself is not a suggestion
		{"ask", ""},     // two candidates begin with it
	}
	for _, tt := range tests {
		if got := Suggest(tt.in, states); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"say", "sya", 1}, {"kitten", "sitting", 3}, {"spedizione", "spedizone", 1}, {"perché", "perche", 1}, {"", "abc", 3},
	}
	for _, tt := range tests {
		if got := EditDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
