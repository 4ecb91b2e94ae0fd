package analytics

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// fullDisk writes the first n bytes it is given, then fails as a full
// disk does.
type fullDisk struct {
	w io.Writer
	n int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) <= d.n {
		d.n -= len(p)
		return d.w.Write(p)
	}
	k, _ := d.w.Write(p[:d.n])
	d.n = 0
	return k, &os.PathError{Op: "write", Path: "events.jsonl", Err: syscall.ENOSPC}
}

// A write that failed (the disk full) loses that turn's events, not the
// next ones: once there is room again the file takes events, each on a
// line of its own.
func TestFileSinkWritesAgainAfterAFailedWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	s, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	event := func(id string) flows.Event {
		return flows.Event{V: 1, ID: id, Type: flows.EvMessageIn, At: t0, Conversation: "c1", Flow: "f", Size: 3}
	}
	ctx := context.Background()
	if err := s.Write(ctx, event("e1")); err != nil {
		t.Fatal(err)
	}
	s.w = bufio.NewWriterSize(&fullDisk{w: s.f, n: 20}, 64<<10) // the disk fills up
	if err := s.Write(ctx, event("e2")); err == nil {
		t.Fatal("a write to a full disk did not fail")
	}
	// Room again.
	if err := s.Write(ctx, event("e3")); err != nil {
		t.Fatalf("the write after the disk has room again: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("the file's lines: %q; want e1, e2 cut short, e3", lines)
	}
	for i, id := range map[int]string{0: "e1", 2: "e3"} {
		var e flows.Event
		if err := json.Unmarshal([]byte(lines[i]), &e); err != nil || e.ID != id {
			t.Errorf("line %d: %v, %q; want %s", i+1, err, lines[i], id)
		}
	}
}
