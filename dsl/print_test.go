package dsl

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

func TestDiagnosticsPrint(t *testing.T) {
	at := func(file string, line, col int) flows.Pos { return flows.Pos{File: file, Line: line, Col: col} }
	for _, tc := range []struct {
		name  string
		diags Diagnostics
		want  string
		errs  int
		warns int
	}{
		{name: "none"},
		{
			name: "sorted by file, line and column",
			diags: Diagnostics{
				{Severity: Warning, Summary: "w", Pos: at("b.yaml", 1, 1)},
				{Severity: Error, Summary: "second", Pos: at("a.yaml", 3, 7)},
				{Severity: Error, Summary: "first", Pos: at("a.yaml", 3, 2)},
			},
			want: "a.yaml:3:2: error: first\na.yaml:3:7: error: second\nb.yaml:1:1: warning: w\n",
			errs: 2, warns: 1,
		},
		{
			name: "detail indented, repeats once",
			diags: Diagnostics{
				{Severity: Error, Summary: "unknown key", Detail: "use say\nor ask\n", Pos: at("inc.yaml", 2, 3)},
				{Severity: Error, Summary: "unknown key", Detail: "use say\nor ask\n", Pos: at("inc.yaml", 2, 3)},
			},
			want: "inc.yaml:2:3: error: unknown key\n    use say\n    or ask\n",
			errs: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			tc.diags.Print(&b)
			if b.String() != tc.want {
				t.Errorf("Print:\n%s\nwant:\n%s", b.String(), tc.want)
			}
			if errs, warns := tc.diags.Count(); errs != tc.errs || warns != tc.warns {
				t.Errorf("Count = %d, %d; want %d, %d", errs, warns, tc.errs, tc.warns)
			}
		})
	}
}

func TestPathError(t *testing.T) {
	dir := t.TempDir()
	_, missing := os.Stat(filepath.Join(dir, "nope.yaml"))
	file := filepath.Join(dir, "f.yaml")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, notDir := os.Stat(filepath.Join(file, "x"))
	for _, tc := range []struct {
		err  error
		want string
	}{
		{missing, "flows/x.yaml: no such file or directory"},
		{notDir, "flows/x.yaml: not a directory"},
		{errors.New("boom"), "flows/x.yaml: boom"},
	} {
		if got := PathError("flows/x.yaml", tc.err).Error(); got != tc.want {
			t.Errorf("PathError(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
