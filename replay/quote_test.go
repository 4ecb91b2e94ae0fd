package replay

import "testing"

// Replies keep their markup in the reports (json.Marshal escaped < and >).
func TestQuoteKeepsMarkup(t *testing.T) {
	for in, want := range map[string]string{
		`<b>Hi</b> & "you"`: `"<b>Hi</b> & \"you\""`,
		"line\nnext":        `"line\nnext"`,
	} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}
