package host

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/store/bolt"
)

// heldOpen reports whether this process holds the file at path open.
func heldOpen(t *testing.T, path string) bool {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && target == path {
			return true
		}
	}
	return false
}

// boltWithEvents is a config serving shop.yaml's web chat from a bolt
// file, writing its analytics events to a file: both are opened by
// NewServer.
func boltWithEvents(t *testing.T) (cfg *config.Config, store, events string) {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	flow, _ := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	store, events = filepath.Join(dir, "baton.db"), filepath.Join(dir, "events.jsonl")
	src := fmt.Sprintf("channels:\n  web: [{flow: %q}]\nstore: {kind: bolt, path: %q}\nevents: {file: %q}\n", flow, store, events)
	cfg, diags := config.Parse(filepath.Join(dir, "baton.yaml"), []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	return cfg, store, events
}

// reopen checks that the bolt file at path is free: bbolt locks it, so a
// store left open in this process would keep it.
func reopen(t *testing.T, path string) {
	t.Helper()
	st, err := bolt.Open(path, bolt.WithLockTimeout(time.Second))
	if err != nil {
		t.Fatalf("the store is still held: %v", err)
	}
	st.Close()
}

// A start that fails after the store and the events file were opened
// closes both.
func TestNewServerFailingLateClosesWhatItOpened(t *testing.T) {
	cfg, store, events := boltWithEvents(t)
	// New refuses an LLM analyser whose timeout the lease cannot hold:
	// after the store and the events' sinks.
	late := func(h *Host) {
		h.nlu = &NLU{cfg: handoff.ConfigNLU{Analyser: "llm"}, live: true}
		h.lease = time.Nanosecond
	}
	_, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), NoWatch: true, Host: []Option{late}})
	if err == nil {
		t.Fatal("NewServer started")
	}
	if heldOpen(t, events) {
		t.Errorf("after %q, the events file is still open", err)
	}
	reopen(t, store)
}

// Close releases what NewServer opened, for a program whose start fails
// after it (baton serve's web sandbox): the events file, then the store.
func TestServerClose(t *testing.T) {
	cfg, store, events := boltWithEvents(t)
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	if !heldOpen(t, events) {
		t.Fatal("the events file is not open: this test sees nothing")
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if heldOpen(t, events) {
		t.Error("the events file is still open")
	}
	reopen(t, store)
}
