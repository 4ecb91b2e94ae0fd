package dsl

import (
	"strings"
	"testing"
)

// wantDiags loads src as s.yaml and checks its diagnostics: they
// contain want (when set) and do not contain absent (when set).
func wantDiags(t *testing.T, src, want, absent string) {
	t.Helper()
	_, ds := Load("s.yaml", []byte(src))
	got := diagText(ds)
	if want != "" && !strings.Contains(got, want) {
		t.Errorf("diagnostics lack\n%s\ngot:\n%s", want, got)
	}
	if absent != "" && strings.Contains(got, absent) {
		t.Errorf("diagnostics have %q:\n%s", absent, got)
	}
}
