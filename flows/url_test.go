package flows

import "testing"

func TestURLForError(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://h.example/p/q", "https://h.example/p/q"},
		{"https://h.example/hook?token=s3cret", "https://h.example/hook?…"},
		{"https://h.example?token=s3cret", "https://h.example?…"},
		{"https://bot:hunter2@h.example/hook", "https://h.example/hook"},
		{"https://bot@h.example:8443/a%2Fb?x=1#frag", "https://h.example:8443/a%2Fb?…"},
		{"https://h.example/a#frag", "https://h.example/a?…"},
		{"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&ext=2&hash=ATsig",
			"https://lookaside.fbsbx.com/whatsapp_business/attachments/?…"},
		// Not URLs net/url parses.
		{"https://bot:hun?ter2@h.example/%zz?token=s3cret", "https://h.example/%zz?…"},
		{"https://h.example/%zz?token=s3cret", "https://h.example/%zz?…"},
		{"http://${SHOP}.example/x\x7f?k=${KEY}", "http://${SHOP}.example/x\x7f?…"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := URLForError(tt.in); got != tt.want {
			t.Errorf("URLForError(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
