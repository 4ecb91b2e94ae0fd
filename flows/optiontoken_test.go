package flows

import (
	"strings"
	"testing"
)

func TestOptionToken(t *testing.T) {
	greek := strings.Repeat("καλημέρα_", 5) // 2 bytes a letter: 85 bytes
	ids := []string{strings.Repeat("x", 65), strings.Repeat("x", 66), greek, "", "a"}
	seen := map[string]string{}
	for _, id := range ids {
		tok := OptionToken(id)
		if tok != OptionToken(id) {
			t.Errorf("the token of %q changes", id)
		}
		if len(tok) > 64 || !IsOptionToken(tok) || strings.TrimSpace(tok) != tok {
			t.Errorf("token %q of %q: %d bytes, IsOptionToken %v", tok, id, len(tok), IsOptionToken(tok))
		}
		if other, dup := seen[tok]; dup {
			t.Errorf("%q and %q share the token %q", id, other, tok)
		}
		seen[tok] = id
	}
	// Tokens are on customers' screens: a new version must read them the same.
	if got := OptionToken("order"); got != "~Put-luWc5A-csaCJ" {
		t.Errorf("OptionToken(order) = %q, want ~Put-luWc5A-csaCJ as every version before", got)
	}
	for _, tt := range []struct {
		id   string
		max  int
		want string
	}{
		{"order", 64, "order"},
		{strings.Repeat("x", 64), 64, strings.Repeat("x", 64)},
		{strings.Repeat("x", 65), 64, OptionToken(strings.Repeat("x", 65))},
		{greek, 64, OptionToken(greek)},
		{greek, 200, greek},
	} {
		if got := ButtonID(tt.id, tt.max); got != tt.want {
			t.Errorf("ButtonID(%q, %d) = %q, want %q", tt.id, tt.max, got, tt.want)
		}
	}
	for _, s := range []string{"order", "~", "~abc", strings.Repeat("x", 17)} {
		if IsOptionToken(s) {
			t.Errorf("IsOptionToken(%q)", s)
		}
	}
}
