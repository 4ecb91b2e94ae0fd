package chat

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/sandbox"
)

// Ctrl-C (or Ctrl-D) on the terminal leaves the chat on a line of its
// own: what was typed stays as it was, and the prompt is not drawn again
// after it for the shell's prompt to follow.
func TestTerminalCtrlCLeavesCleanly(t *testing.T) {
	for _, tc := range []struct{ name, keys string }{
		{"Ctrl-C mid-line", "hi\rhel\x03"},
		{"Ctrl-C on an empty line", "hi\r\x03"},
		{"Ctrl-D", "hi\r\x04"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, path := chatOn(t, "flow: f\nlanguages: [en]\nstart: a\nvars:\n  name: \"\"\nstates:\n  a:\n    say: hello\n    ask:\n      save_as: name\n    next: a\n", sandbox.Config{Lang: "en", Now: time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC), Fixed: true}, quiet{})
			var out bytes.Buffer
			o := Options{Path: path, Config: cs.cfg}
			start := func(v display) (*session, error) { return newSession(path, cs.cfg, v) }
			if _, err := chatTerminal(context.Background(), o, start, strings.NewReader(tc.keys), &out, 80, 24); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if !strings.HasSuffix(got, "\r\n") || strings.HasSuffix(got, "\r\n\r\n") {
				t.Errorf("the chat did not end on one new line, with nothing drawn after it: %q", got[max(0, len(got)-60):])
			}
		})
	}
}

// A line typed (or pasted) past the terminal's 4096 characters loses the
// rest, as the line editor takes no more: the chat says so, as it does
// for a piped line over MaxLine.
func TestTerminalLongLineSaysItIsCut(t *testing.T) {
	cs, path := chatOn(t, "flow: f\nlanguages: [en]\nstart: a\nvars:\n  name: \"\"\nstates:\n  a:\n    say: hello\n    ask:\n      save_as: name\n    next: a\n", sandbox.Config{Lang: "en", Now: time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC), Fixed: true}, quiet{})
	start := func(v display) (*session, error) { return newSession(path, cs.cfg, v) }
	for _, tc := range []struct {
		n   int
		cut bool
	}{{5000, true}, {4095, false}} {
		var out bytes.Buffer
		keys := strings.Repeat("é", tc.n) + "\r\x04"
		if _, err := chatTerminal(context.Background(), Options{Path: path, Config: cs.cfg}, start, strings.NewReader(keys), &out, 80, 24); err != nil {
			t.Fatal(err)
		}
		want := "the line reached the terminal's limit of 4096 characters: what was typed past it was dropped"
		if got := strings.Contains(out.String(), want); got != tc.cut {
			t.Errorf("a line of %d characters: said cut %v, want %v", tc.n, got, tc.cut)
		}
	}
}

// heldKeys types keys, then holds the line open as a terminal does: a
// read past them says so on reading and waits for the test to end.
type heldKeys struct {
	keys    *strings.Reader
	reading chan struct{}
	release chan struct{}
	once    sync.Once
}

func (k *heldKeys) Read(p []byte) (int, error) {
	if k.keys.Len() > 0 {
		return k.keys.Read(p)
	}
	k.once.Do(func() { close(k.reading) })
	<-k.release
	return 0, io.EOF
}

// /quit leaves the chat as Ctrl-D does: the line editor neither draws its
// prompt again after it nor reads the terminal on, for the shell's prompt
// to follow on a line of its own.
func TestTerminalQuitDrawsNoPrompt(t *testing.T) {
	cs, path := chatOn(t, "flow: f\nlanguages: [en]\nstart: a\nvars:\n  name: \"\"\nstates:\n  a:\n    say: hello\n    ask:\n      save_as: name\n    next: a\n", sandbox.Config{Lang: "en", Now: time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC), Fixed: true}, quiet{})
	keys := &heldKeys{keys: strings.NewReader("hi\r/quit\r"), reading: make(chan struct{}), release: make(chan struct{})}
	defer close(keys.release)
	var out lockedBuffer
	start := func(v display) (*session, error) { return newSession(path, cs.cfg, v) }
	if _, err := chatTerminal(context.Background(), Options{Path: path, Config: cs.cfg}, start, keys, &out, 80, 24); err != nil {
		t.Fatal(err)
	}
	select {
	case <-keys.reading:
		t.Error("after /quit the chat read the terminal on, for a line no one will type")
	case <-time.After(300 * time.Millisecond): // what a stray reader would have done by now
	}
	got := out.String()
	i := strings.LastIndex(got, "you> /quit")
	after := got[i+len("you> /quit"):]
	if i < 0 {
		t.Fatalf("the output does not show /quit typed: %q", got)
	}
	if strings.Contains(after, "you> ") || after != "\r\n" {
		t.Errorf("after /quit the terminal shows %q, want only the line's end (no prompt drawn again)", after)
	}
}

// lockedBuffer is a bytes.Buffer written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
