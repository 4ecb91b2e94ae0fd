// Package golden compares what a test produced with a golden file under
// testdata/, and rewrites the file instead when the tests run with
// -update (`go test ./pkg -update`). It registers the -update flag once,
// for every test binary that imports it.
package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Updating reports whether the tests run with -update.
func Updating() bool { return *update }

// Check compares got with the golden file at path, byte for byte, and
// reports the first line that differs. With -update it writes got to path
// (creating its directory) instead.
func Check[T ~string | ~[]byte](t testing.TB, path string, got T) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the golden file (run go test -update to create it): %v", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs (run go test -update if the change is intended):\n%s", path, FirstDifference(string(want), string(got)))
	}
}

// FirstDifference shows the first line where got differs from want, then
// got in full.
func FirstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl || i >= len(w) || i >= len(g) {
			return fmt.Sprintf("line %d:\n- expected: %q\n+ got:      %q\n(got in full:)\n%s", i+1, wl, gl, got)
		}
	}
	return ""
}
