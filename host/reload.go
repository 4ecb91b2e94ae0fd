package host

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"github.com/batonbot/baton/dsl"
)

// Reload loads the flow files of the accounts again (only those at paths,
// when given) and, for each flow that validates and changed, swaps the
// engine of every account serving it: the next turn of every
// conversation, new or not, runs the new version. A conversation waiting
// in a state the new version no longer has moves to its on_reload state
// (else start) on that turn, with a flows.Reloaded effect. A flow that no
// longer validates is refused: its diagnostics are logged, the old version
// keeps serving, and the error says so. Accounts added without a Path are
// not reloaded.
func (h *Host) Reload(paths ...string) error {
	var errs []error
	for _, path := range h.flowPaths() {
		if len(paths) > 0 && !slices.Contains(paths, path) {
			continue
		}
		if err := h.reload(path, len(paths) == 0); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// flowPaths are the flow files of the reloadable accounts, once each.
func (h *Host) flowPaths() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []string
	for _, a := range h.accounts {
		if a.Path != "" && !slices.Contains(out, a.Path) {
			out = append(out, a.Path)
		}
	}
	slices.Sort(out)
	return out
}

// reload loads one flow file and swaps the engines that run it. all is
// set when every flow is reloaded (SIGHUP): a flow left as it was is then
// said at info level, so that the signal is seen to have been taken.
func (h *Host) reload(path string, all bool) error {
	f, diags := dsl.LoadFile(path)
	if diags.HasErrors() || f == nil {
		h.mu.Lock()
		if h.refused == nil {
			h.refused = map[string][]string{}
		}
		h.refused[path] = diags.Files()
		h.mu.Unlock()
		h.metrics.reload("refused")
		h.log.Error("the edited flow does not validate; the version already loaded keeps serving",
			"flow", path, "diagnostics", diags.Err().Error())
		return fmt.Errorf("%s does not validate; the version already loaded keeps serving:\n%w", path, diags.Err())
	}
	sum := digest(f.Files)
	h.mu.Lock()
	delete(h.refused, path)
	h.mu.Unlock()
	h.mu.RLock()
	var targets []*Account
	for _, a := range h.accounts {
		if a.Path == path {
			targets = append(targets, a)
		}
	}
	h.mu.RUnlock()
	changed := false
	for _, a := range targets {
		if a.sum.Load() == nil || *a.sum.Load() != sum {
			changed = true
		}
	}
	if !changed {
		level := slog.LevelDebug
		if all {
			level = slog.LevelInfo
		}
		h.log.Log(context.Background(), level, "flow unchanged; nothing reloaded", "flow", path)
		return nil
	}
	for _, a := range targets {
		eng, err := h.newEngine(f)
		if err != nil {
			h.metrics.reload("refused")
			h.log.Error("the edited flow cannot run; the version already loaded keeps serving", "flow", path, "error", err)
			return fmt.Errorf("%s: %w; the version already loaded keeps serving", path, err)
		}
		h.http.Allow(f)
		if old := a.eng.Swap(eng); old != nil && old.Flow() != f {
			h.nlu.Forget(old.Flow())
		}
		a.sum.Store(&sum)
	}
	h.metrics.reload("ok")
	select { // the other processes learn of the new version now
	case h.announce <- struct{}{}:
	default:
	}
	h.log.Info("flow reloaded: new turns run the new version", "flow", path, "name", f.Name, "version", f.Version,
		"states", len(f.States), "warnings", len(diags), "accounts", len(targets))
	return nil
}

// digest sums the contents of files (a flow and its includes), so a
// reload of an unchanged flow changes nothing. A file that cannot be read
// counts as changed. It reads at most what the flow loader reads of a file
// (dsl.MaxFileSize and one byte), and sums the size of a longer one: such a
// file is refused anyway, and changes when its size does.
func digest(files []string) [32]byte {
	h := sha256.New()
	for _, p := range files {
		fmt.Fprintf(h, "%s\x00", filepath.Clean(p))
		if err := sumFile(h, p); err != nil {
			fmt.Fprintf(h, "unreadable %s\x00", err)
		}
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// sumFile writes the size and the first dsl.MaxFileSize+1 bytes of the file
// at p to w.
func sumFile(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d\x00", fi.Size())
	_, err = io.Copy(w, io.LimitReader(f, dsl.MaxFileSize+1))
	return err
}

// flowFiles maps every file of the reloadable accounts' flows (absolute,
// includes too) to the flow path it belongs to.
func (h *Host) flowFiles() map[string]string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := map[string]string{}
	for _, a := range h.accounts {
		if a.Path == "" {
			continue
		}
		files := a.Flow().Files
		if len(files) == 0 {
			files = []string{a.Path}
		}
		// Where the errors of a refused reload are: a new included
		// file is not among the last good version's files.
		files = append(slices.Clip(files), h.refused[a.Path]...)
		for _, f := range files {
			if abs, err := filepath.Abs(f); err == nil {
				out[abs] = a.Path
			}
		}
		if abs, err := filepath.Abs(a.Path); err == nil {
			out[abs] = a.Path
		}
	}
	return out
}
