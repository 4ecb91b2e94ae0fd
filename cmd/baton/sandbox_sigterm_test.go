package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// SIGTERM or Ctrl-C while the web sandbox is still starting (loading the
// flow and the config takes seconds on a busy machine): it exits 0, as
// after it started. The config is a named pipe, so the test knows the
// process is reading it, past its flags, and what it does next waits for
// the test.
func TestSandboxSignalsDuringStartExitZero(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			flow := copyExample(t, dir, "survey.yaml")
			cfg := filepath.Join(dir, "baton.yaml")
			if err := syscall.Mkfifo(cfg, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd, log, done := startBatonProcess(t, []string{"BATON_WEBHOOK_SECRET=whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ="},
				"sandbox", flow, "--config", cfg, "--listen", "127.0.0.1:0", "--watch=false")
			// Opening the pipe for writing returns once baton opened it
			// to read the config.
			w, err := os.OpenFile(cfg, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_ = cmd.Process.Signal(sig)
			time.Sleep(100 * time.Millisecond)
			fmt.Fprint(w, "connectors:\n  webhook:\n    url: https://crm.example/hooks\n    secret: ${BATON_WEBHOOK_SECRET}\nrouting:\n  default_team: support\nteams:\n  support:\n    name: Support\n")
			w.Close()
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatalf("still running a minute after %v:\n%s", sig, log)
			}
			if code := cmd.ProcessState.ExitCode(); code != 0 {
				t.Errorf("exit code %d (%v) after %v during the start, want 0:\n%s", code, cmd.ProcessState, sig, log)
			}
		})
	}
}
