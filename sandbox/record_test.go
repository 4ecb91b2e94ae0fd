package sandbox

import "testing"

func TestUnescapeAstral(t *testing.T) {
	tests := []struct{ in, want string }{
		{`bot: "Ciao \U0001F44B!"`, `bot: "Ciao 👋!"`},
		{`bot: "a backslash \\U0001F44B stays"`, `bot: "a backslash \\U0001F44B stays"`},
		{`bot: "\\\U0001F600"`, `bot: "\\😀"`},
		{`bot: "tab\tand \"quote\""`, `bot: "tab\tand \"quote\""`},
		{`bot: "bad \UFFFFFFFF"`, `bot: "bad \UFFFFFFFF"`},
	}
	for _, tt := range tests {
		if got := string(unescapeAstral([]byte(tt.in))); got != tt.want {
			t.Errorf("unescapeAstral(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
