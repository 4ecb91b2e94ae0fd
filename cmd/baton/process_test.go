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
	path, _ := copyInto(t, dir, filepath.Join("../../examples/flows", name))
	return path
}

// copyInto copies the file src into dir, under its own name, and returns
// the copy's path and its content.
func copyInto(t *testing.T, dir, src string) (string, []byte) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
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
