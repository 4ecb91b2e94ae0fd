package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGHUP reloads the web sandbox's flow, as it does serve's (the watcher
// is off here, so only the signal can have done it), instead of killing
// the process with status 129.
func TestSandboxReloadsOnSIGHUP(t *testing.T) {
	flow := copyExample(t, t.TempDir(), "survey.yaml")
	cmd, log, done := startBatonProcess(t, nil, "sandbox", flow, "--listen", "127.0.0.1:0", "--watch=false")
	alive := func() {
		t.Helper()
		select {
		case <-done:
			t.Fatalf("baton sandbox exited (%v):\n%s", cmd.ProcessState, log)
		default:
		}
	}
	waitUntil(t, "the sandbox to start", func() bool { alive(); return strings.Contains(log.String(), "in a browser") })
	src, err := os.ReadFile(flow)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(flow, []byte(strings.Replace(string(src), "How old are you?", "What is your age?", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if strings.Contains(log.String(), "reloaded the flow") {
		t.Fatal("reloaded with --watch=false before any SIGHUP")
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the reload", func() bool { alive(); return strings.Contains(log.String(), "reloaded the flow") })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("still running a minute after SIGTERM:\n%s", log)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0:\n%s", code, log)
	}
}
