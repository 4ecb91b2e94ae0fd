package handoff

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzRedact: Redact never panics, and no query value or password of a
// URL it finds survives it.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"", "plain text", `Post "https://h.example/x?token=s3cret": EOF`,
		"https://u:p@h.example/?a=1&b=2#frag", "http://[::1]:80/%zz?x=y", "ftp://a@b/c?d=e.",
		"https://h.example/p?token=abc&token=def, and https://h2.example/?k=v",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Redact(s)
		for _, m := range urlInText.FindAllString(s, -1) {
			u, err := url.Parse(strings.TrimRight(m, ".,;:)]}"))
			if err != nil {
				continue
			}
			if p, ok := u.User.Password(); ok && len(p) >= 6 && strings.Contains(out, ":"+p+"@") {
				t.Fatalf("password %q survives in %q", p, out)
			}
			for _, vs := range u.Query() {
				for _, v := range vs {
					if len(v) >= 6 && !strings.Contains(v, "[redacted]") && strings.Contains(out, "="+url.QueryEscape(v)) && !strings.Contains(s[:strings.Index(s, m)], v) {
						t.Fatalf("query value %q survives in %q", v, out)
					}
				}
			}
		}
	})
}
