package host

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// WatchChanges returns once the files are watched, delivers a save as the
// changed file's key, and waits for Done before delivering the next.
func TestWatchChanges(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flow.yaml")
	if err := os.WriteFile(path, []byte("a: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes, errc := WatchChanges(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), func() map[string]string {
		return map[string]string{path: "the-flow"}
	})
	next := func() Change {
		t.Helper()
		select {
		case ch := <-changes:
			return ch
		case err := <-errc:
			t.Fatalf("watching stopped: %v", err)
		case <-time.After(time.Minute):
			t.Fatal("no change within a minute of the save")
		}
		return Change{}
	}
	for i, body := range []string{"a: 2\n", "a: 3\n"} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		ch := next()
		if len(ch.Files) != 1 || ch.Files[0] != "the-flow" {
			t.Errorf("save %d: change %v, want [the-flow]", i+1, ch.Files)
		}
		ch.Done()
	}
}
