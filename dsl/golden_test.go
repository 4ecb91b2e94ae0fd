package dsl

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonbot/baton/internal/golden"
)

// TestGoldenDiagnostics loads each broken flow under testdata/errors and
// compares every diagnostic, as `baton validate` prints it, with the
// .golden file next to it. Refresh with `go test ./dsl -update`.
func TestGoldenDiagnostics(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test flows: %v", err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
			f, ds := LoadFile(path)
			var b strings.Builder
			for _, d := range ds {
				b.WriteString(d.String())
				b.WriteByte('\n')
			}
			got := b.String()
			if f != nil && ds.HasErrors() {
				t.Error("a flow came back with errors")
			}
			golden.Check(t, strings.TrimSuffix(path, ".yaml")+".golden", got)
		})
	}
}
