// Package flowtest copies flow files to a temporary directory and edits
// them there, for tests that change a flow (a reload, a replay against an
// edited flow) without touching the originals.
package flowtest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Copy copies files, paths relative to src (such as "support.yaml" and
// "common/escalation.yaml"), to a new temporary directory at the same
// relative paths, and returns that directory.
func Copy(t testing.TB, src string, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		to := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Edit replaces the first old in the file at path with new; the test fails
// when the file has no old.
func Edit(t testing.TB, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}
