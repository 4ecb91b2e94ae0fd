package golden

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestFirstDifference(t *testing.T) {
	for _, c := range []struct{ want, got, line string }{
		{"a\nb\nc\n", "a\nB\nc\n", `line 2:` + "\n" + `- expected: "b"` + "\n" + `+ got:      "B"`},
		{"a\n", "a\nb\n", `line 2:` + "\n" + `- expected: ""` + "\n" + `+ got:      "b"`},
		{"a\nb", "a", `line 2:` + "\n" + `- expected: "b"` + "\n" + `+ got:      ""`},
	} {
		if d := FirstDifference(c.want, c.got); !strings.HasPrefix(d, c.line) {
			t.Errorf("FirstDifference(%q, %q) = %q, want it to start with %q", c.want, c.got, d, c.line)
		}
	}
	if d := FirstDifference("same\n", "same\n"); d != "" {
		t.Errorf("equal texts: %q", d)
	}
}

// recorder catches what Check reports.
type recorder struct {
	testing.TB
	errors, fatals int
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.errors++ }
func (r *recorder) Fatalf(string, ...any) { r.fatals++ }

func TestCheck(t *testing.T) {
	if Updating() {
		t.Skip("-update rewrites instead of comparing")
	}
	path := filepath.Join(t.TempDir(), "sub", "out.golden")
	r := &recorder{TB: t}
	Check(r, path, "x")
	if r.fatals != 1 {
		t.Fatalf("a missing golden file: %d fatals, want 1", r.fatals)
	}
	*update = true
	Check(r, path, []byte("hello\n"))
	*update = false
	r = &recorder{TB: t}
	Check(r, path, "hello\n")
	if r.errors != 0 || r.fatals != 0 {
		t.Errorf("the written file does not match: %+v", r)
	}
	Check(r, path, "hello")
	if r.errors != 1 {
		t.Errorf("a changed output passed: %+v", r)
	}
}
