package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// boltConfig writes a config serving the survey on the web chat from the
// bolt file path, in dir.
func boltConfig(t *testing.T, dir, path string) string {
	t.Helper()
	flow := copyExample(t, dir, "survey.yaml")
	cfg := filepath.Join(dir, "baton.yaml")
	src := fmt.Sprintf("store: {kind: bolt, path: %q}\nchannels:\n  web:\n    - flow: %q\n", path, flow)
	if err := os.WriteFile(cfg, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestServeAddressInUse: serve on an address another process listens on
// exits 3 saying which address is taken and what to do, before it opens
// the store: no bolt file is left behind.
func TestServeAddressInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()
	dir := t.TempDir()
	db := filepath.Join(dir, "baton.db")
	cfg := boltConfig(t, dir, db)
	for _, args := range [][]string{
		{"serve", "--config", cfg, "--listen", addr},
		{"serve", "--listen", addr, filepath.Join(dir, "survey.yaml")},
	} {
		code, stdout, stderr := runCLI(t, "", args...)
		wantCode(t, code, exitRuntime, stdout, stderr)
		for _, want := range []string{addr + " is in use", "--listen"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, stderr)
			}
		}
		if _, err := os.Stat(db); !os.IsNotExist(err) {
			t.Fatalf("%v: the refused serve left %s behind (%v)", args, db, err)
		}
	}
}

// TestServeSecondProcessOnTheSamePort: a second baton serve of the same
// config (the same bolt file, the same address) says at once that the
// address is taken, not that the file is locked after waiting for it.
func TestServeSecondProcessOnTheSamePort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs baton serve")
	}
	dir := t.TempDir()
	cfg := boltConfig(t, dir, filepath.Join(dir, "baton.db"))
	first := startServeProcess(t, &faultWorld{config: cfg}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, buildBaton(t), "serve", "--config", cfg, "--listen", first.addr).CombinedOutput()
	if err == nil || ctx.Err() != nil {
		t.Fatalf("the second process did not exit refused (%v):\n%s", err, out)
	}
	if code := exitCode(err); code != exitRuntime {
		t.Errorf("the second process exited %d, want %d:\n%s", code, exitRuntime, out)
	}
	if want := first.addr + " is in use"; !strings.Contains(string(out), want) {
		t.Errorf("the refusal does not say %q:\n%s", want, out)
	}
	if strings.Contains(string(out), "baton.db") {
		t.Errorf("the refusal is about the store, not the address:\n%s", out)
	}
}
