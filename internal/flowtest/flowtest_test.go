package flowtest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCopyThenEdit(t *testing.T) {
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "common"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"a.yaml": "next: one\nnext: one\n", "common/b.yaml": "b\n"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := Copy(t, src, "a.yaml", "common/b.yaml")
	Edit(t, filepath.Join(dir, "a.yaml"), "one", "two")
	for name, want := range map[string]string{"a.yaml": "next: two\nnext: one\n", "common/b.yaml": "b\n"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(src, "a.yaml")); string(b) != "next: one\nnext: one\n" {
		t.Errorf("the original changed: %q", b)
	}
}
