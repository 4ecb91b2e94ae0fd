package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// prepareRecord checks, before the chat starts, that the test file can be
// written: a path whose directory does not exist, or that is a directory,
// is a usage error; an existing file is replaced only with force or when
// the user says so (ask, on a terminal); a directory that takes no new
// file is exitRuntime. It returns the exit code when the chat must not
// start.
func prepareRecord(e *env, path string, force bool, ask func(question string) bool) (int, bool) {
	if info, err := os.Stat(path); err == nil {
		switch {
		case info.IsDir():
			return usageError(e, chatCmd, "--record %s is a directory; give the test file to write, e.g. %s", path, filepath.Join(path, "recorded.yaml")), false
		case force:
		case ask != nil && ask(fmt.Sprintf("%s exists. Replace it with this conversation? [y/N] ", path)):
		case ask != nil:
			fmt.Fprintf(e.stderr, "baton chat: %s is kept; record to another file, or add --force to replace it\n", path)
			return exitUsage, false
		default:
			return usageError(e, chatCmd, "--record %s exists; add --force to replace it, or record to another file", path), false
		}
	}
	dir := filepath.Dir(path)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return usageError(e, chatCmd, "--record %s: the directory %s does not exist", path, dir), false
	}
	probe, err := os.CreateTemp(dir, ".baton-record-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		fmt.Fprintf(e.stderr, "baton chat: --record %s: cannot write in %s: %v; record somewhere else\n", path, dir, err)
		return exitRuntime, false
	}
	probe.Close()
	os.Remove(probe.Name())
	return exitOK, true
}
