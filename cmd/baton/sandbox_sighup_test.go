package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGHUP reloads the web sandbox's flow, as it does serve's (the watcher
// is off here, so only the signal can have done it), instead of killing
// the process with status 129. The sandbox says it watches the files
// before it says where it serves, so at that line the watcher's absence is
// known: the test used to change the flow and wait 300 ms for no reload,
// less than a watcher takes on a busy machine.
func TestSandboxReloadsOnSIGHUP(t *testing.T) {
	const (
		watching = "watching the flow files for changes"
		serving  = "in a browser"
	)
	start := func(watch bool) (string, *exec.Cmd, *lockedBuffer, <-chan struct{}) {
		flow := copyExample(t, t.TempDir(), "survey.yaml")
		cmd, log, done := startBatonProcess(t, nil, "sandbox", flow, "--listen", "127.0.0.1:0", fmt.Sprintf("--watch=%v", watch))
		waitUntil(t, "the sandbox to start", func() bool {
			select {
			case <-done:
				t.Fatalf("baton sandbox exited (%v):\n%s", cmd.ProcessState, log)
			default:
			}
			return strings.Contains(log.String(), serving)
		})
		return flow, cmd, log, done
	}
	if _, _, log, _ := start(true); !strings.Contains(strings.SplitAfter(log.String(), serving)[0], watching) {
		t.Fatalf("the sandbox said it serves before it watched the flow files:\n%s", log)
	}
	flow, cmd, log, done := start(false)
	if strings.Contains(log.String(), watching) {
		t.Fatalf("baton sandbox --watch=false watches the flow files:\n%s", log)
	}
	alive := func() {
		t.Helper()
		select {
		case <-done:
			t.Fatalf("baton sandbox exited (%v):\n%s", cmd.ProcessState, log)
		default:
		}
	}
	src, err := os.ReadFile(flow)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(flow, []byte(strings.Replace(string(src), "How old are you?", "What is your age?", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the reload", func() bool { alive(); return strings.Contains(log.String(), "reloaded the flow") })
	if n := strings.Count(log.String(), "reloaded the flow"); n != 1 {
		t.Fatalf("%d reloads after one SIGHUP:\n%s", n, log)
	}
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
