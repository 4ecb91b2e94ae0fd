package chat

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/sandbox"
)

// quiet is a display that shows nothing.
type quiet struct{}

func (quiet) event(sandbox.Event)     {}
func (quiet) input(string)            {}
func (quiet) step(stepIn)             {}
func (quiet) problem(string)          {}
func (quiet) answer(string, *session) {}
func (quiet) reloaded(reloadResult)   {}

// A reload refused for an error in a file the flow now includes watches
// that file too (--watch): the last good version does not include it,
// and saving the fix there must reload the flow.
func TestRefusedReloadWatchesTheFilesOfItsErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flow.yaml")
	extra := filepath.Join(dir, "extra.yaml")
	write := func(p, src string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(path, "flow: w\nlanguages: [en]\nstart: a\nstates:\n  a:\n    say: hi\n    end: true\n")
	f, diags := dsl.LoadFile(path)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	cs, err := newSession(path, sandbox.Config{Flow: f, Lang: "en"}, quiet{})
	if err != nil {
		t.Fatal(err)
	}
	cs.setWatched()
	write(extra, "states:\n  b:\n    say: hi\n    sya: oops\n    end: true\n")
	write(path, "flow: w\nlanguages: [en]\nstart: a\ninclude: [extra.yaml]\nstates:\n  a:\n    say: hi\n    end: true\n")
	cs.reload(context.Background(), []string{path})
	if _, ok := cs.watchedFiles()[extra]; !ok {
		t.Fatalf("%s is not watched after the refused reload: %v", extra, cs.watchedFiles())
	}
	if len(f.Files) != 1 {
		t.Errorf("the loaded flow's files changed: %v", f.Files)
	}
}
