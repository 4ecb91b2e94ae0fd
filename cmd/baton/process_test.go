package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// copyExample copies examples/flows/name into dir and returns its path.
func copyExample(t *testing.T, dir, name string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("../../examples/flows", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startBatonProcess runs the baton binary with args (and env added to the
// environment), its output in the returned buffer; done closes when it
// exits. The test's cleanup kills it if it still runs.
func startBatonProcess(t *testing.T, env []string, args ...string) (cmd *exec.Cmd, log *lockedBuffer, done <-chan struct{}) {
	t.Helper()
	log = &lockedBuffer{}
	cmd = exec.Command(buildBaton(t), args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	return cmd, log, exited
}
