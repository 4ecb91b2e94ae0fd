package dsl

import (
	"strings"
	"testing"
)

// TestHTTPTimeoutPastServeLimit: baton serve cuts an action's timeout to
// 2 minutes (unless server.http_timeout is longer) while the sandbox times
// a canned delay against the action's own: validate warns about a longer
// timeout, and is silent at 2m.
func TestHTTPTimeoutPastServeLimit(t *testing.T) {
	src := func(d string) string {
		return "flow: x\nlanguages: [en]\nstart: s\nstates:\n  s:\n    http:\n      url: https://api.example.com/slow\n      timeout: " + d + "\n    end: true\n"
	}
	_, ds := Load("x.yaml", []byte(src("5m")))
	want := "x.yaml:8:16: warning: timeout 5m is past the 2m baton serve allows an HTTP action"
	if got := diagText(ds); !strings.Contains(got, want) {
		t.Errorf("diagnostics lack\n%s\ngot:\n%s", want, got)
	}
	_, ds = Load("x.yaml", []byte(src("2m")))
	if got := diagText(ds); strings.Contains(got, "timeout") {
		t.Errorf("a 2m timeout is warned about:\n%s", got)
	}
}

func diagText(ds Diagnostics) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return strings.Join(out, "\n")
}
