package dsl

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestWalkYAMLSniffsAProject: the example project's flows, included
// files, deployment configs (YAML only once their ${NAME} are replaced)
// and conversation tests are told apart, and nothing under a skipped
// directory is walked.
func TestWalkYAMLSniffsAProject(t *testing.T) {
	got := map[string]Kind{}
	WalkYAML("../examples", func(path string, kind Kind) {
		got[filepath.ToSlash(path)] = kind
	})
	for path, want := range map[string]Kind{
		"../examples/baton.yaml":                   KindOther,
		"../examples/flows/support.yaml":           KindFlow,
		"../examples/flows/common/escalation.yaml": KindFragment,
		"../examples/tests/booking.yaml":           KindTest,
		"../examples/tests/configs/helpdesk.yaml":  KindOther,
	} {
		if k, ok := got[path]; !ok || k != want {
			t.Errorf("%s: kind %v (found %t), want %v", path, k, ok, want)
		}
	}
	for path := range got {
		if SkipDir(filepath.Base(filepath.Dir(path))) {
			t.Errorf("%s is under a directory WalkYAML skips", path)
		}
	}
	if k := SniffFile("../examples/no-such-file.yaml"); k != KindFlow {
		t.Errorf("a file that cannot be read is %v, want a flow (loading it says why)", k)
	}
}

// TestSniffFileReadsABoundedPrefix: telling what a file is reads no more
// than a flow file may hold (MaxFileSize), as loading it does: a file
// without end (a pipe never closed, /dev/zero, a huge file) is told apart
// at once, not read (and parsed) whole. Loading it then says it is too
// large.
func TestSniffFileReadsABoundedPrefix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "endless.yaml")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	type kinds struct {
		kind Kind
		yaml bool
	}
	got := make(chan kinds, 1)
	go func() { got <- kinds{SniffFile(path), ReadsAsYAML(path)} }()
	// The writer stays open and writes states for ever (to each reader
	// in turn): a reader that wants the whole file waits for ever.
	w, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	go func() {
		_, _ = w.Write([]byte("states:\n"))
		for {
			_, err := w.Write([]byte("  s: {say: hello}\n"))
			if errors.Is(err, os.ErrClosed) {
				return
			}
			if err != nil { // no reader between two
				time.Sleep(time.Millisecond)
			}
		}
	}()
	select {
	case k := <-got:
		if k.kind != KindFlow || k.yaml {
			t.Errorf("a file over MaxFileSize: kind %v (want a flow: loading it says it is too large), reads as YAML %t (want false)", k.kind, k.yaml)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("SniffFile or ReadsAsYAML reads past MaxFileSize, waiting for the end of the file")
	}
}
