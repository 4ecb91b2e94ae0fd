package dsl

import (
	"strings"
	"testing"
)

// TestHTTPURLNeedsScheme: a URL the host can never call (no http:// or
// https://, or empty) is a load error at its line, not a flow the sandbox
// answers from its canned responses and baton serve fails on every call.
// A URL whose scheme and host come from a hole or ${NAME} is fine.
func TestHTTPURLNeedsScheme(t *testing.T) {
	head := "flow: x\nlanguages: [en]\nstart: s\nvars: {base: \"https://api.example.com\", id: \"\"}\nstates:\n  s:\n    http:\n      url: "
	tail := "\n      sandbox: [{status: 200}]\n    end: true\n"
	bad := []string{`"api.example.com/orders/{{ id }}"`, `"/orders/{{ id }}"`, `"ftp://example.com/x"`, `""`, `"  "`, `" https://x.example/"`}
	for _, u := range bad {
		_, ds := Load("x.yaml", []byte(head+u+tail))
		if !ds.HasErrors() || !strings.Contains(ds.Err().Error(), "x.yaml:8:12: error: ") || !strings.Contains(ds.Err().Error(), "https://") {
			t.Errorf("url %s: %v, want an error at x.yaml:8:12 asking for https://", u, ds.Err())
		}
	}
	good := []string{`"https://api.example.com/orders/{{ id }}"`, `"HTTP://api.example.com/"`, `"{{ base }}/orders"`, `"${SHOP_URL}/orders/{{ id }}"`}
	for _, u := range good {
		if f, ds := Load("x.yaml", []byte(head+u+tail)); f == nil || ds.HasErrors() {
			t.Errorf("url %s: %v", u, ds.Err())
		}
	}
}

// TestHTTPURLNeedsSchemeQuotesTheURL: the error quoted the URL cut at its
// first hole ("api.example.com/orders/"), which is not what the designer
// wrote; it quotes the whole URL as written.
func TestHTTPURLNeedsSchemeQuotesTheURL(t *testing.T) {
	src := "flow: x\nlanguages: [en]\nstart: s\nvars: {id: \"\"}\nstates:\n  s:\n    http:\n      url: \"api.example.com/orders/{{ id }}?x=${KEY}\"\n      sandbox: [{status: 200}]\n    end: true\n"
	_, ds := Load("x.yaml", []byte(src))
	want := `x.yaml:8:12: error: url "api.example.com/orders/{{ id }}?x=${KEY}" does not start with https:// or http://`
	if !strings.HasPrefix(ds.Err().Error(), want) {
		t.Errorf("got %v\nwant it to start with %s", ds.Err(), want)
	}
}
