package host

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchSettle is how long the watcher waits after the last change of a
// flow's files before reloading it: an editor's save is often several
// writes, a rename and a chmod.
const watchSettle = 250 * time.Millisecond

// Watch reloads a flow (Reload) when one of its files changes on disk, the
// main file or one it includes, until ctx is done. It watches the files'
// directories, so editors that save by writing a new file and renaming it
// over the old one are seen too. A reload that is refused is logged, and
// the next change is tried again.
func (h *Host) Watch(ctx context.Context) error { return h.watch(ctx, nil) }

// watch is Watch, closing ready (when not nil) once the files are watched
// or watching could not start.
func (h *Host) watch(ctx context.Context, ready chan<- struct{}) error {
	return WatchFilesReady(ctx, h.log, h.flowFiles, func(paths []string) {
		h.log.Info("a flow file changed; reloading", "flows", paths)
		_ = h.Reload(paths...) // refusals are logged
	}, ready)
}

// WatchFiles calls reload with the keys of the files that changed, once
// they have settled, until ctx is done. files maps each absolute file path
// to watch to its key (the flow it belongs to); it is read again after
// each reload, since what a flow includes may have changed. The files'
// directories are watched, so a save that writes a new file and renames
// it over the old one counts too. A path may also name a directory:
// then a YAML file written in it (a new one too) counts for its key.
// `baton serve` and the web sandbox reload their flows with it.
func WatchFiles(ctx context.Context, log *slog.Logger, files func() map[string]string, reload func(keys []string)) error {
	return WatchFilesReady(ctx, log, files, reload, nil)
}

// isYAML reports whether path names a YAML file.
func isYAML(path string) bool {
	ext := filepath.Ext(path)
	return ext == ".yaml" || ext == ".yml"
}

// WatchFilesReady is WatchFiles that closes ready (when not nil) once the
// files are watched, so a change made after that is seen: `baton chat
// --watch` and `baton test --watch` wait for it before they say they watch.
// It is closed too when watching cannot start (WatchFilesReady then
// returns the error).
func WatchFilesReady(ctx context.Context, log *slog.Logger, files func() map[string]string, reload func(keys []string), ready chan<- struct{}) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		if ready != nil {
			close(ready)
		}
		return fmt.Errorf("watching the flow files: %w", err)
	}
	defer w.Close()
	var watched map[string]string // file → key
	dirs := map[string]bool{}
	rewatch := func() {
		watched = files()
		want := map[string]bool{}
		for f := range watched {
			if info, err := os.Stat(f); err == nil && info.IsDir() {
				want[f] = true
			} else {
				want[filepath.Dir(f)] = true
			}
		}
		for d := range dirs {
			if !want[d] {
				_ = w.Remove(d)
				delete(dirs, d)
			}
		}
		for _, d := range slices.Sorted(maps.Keys(want)) {
			if dirs[d] {
				continue
			}
			if err := w.Add(d); err != nil {
				log.Warn("cannot watch a flow's directory; reload by hand instead", "dir", d, "error", err)
				continue
			}
			dirs[d] = true
		}
	}
	rewatch()
	log.Info("watching the flow files for changes", "dirs", slices.Sorted(maps.Keys(dirs)))
	if ready != nil {
		close(ready)
	}
	pending := map[string]bool{}
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			abs, err := filepath.Abs(ev.Name)
			if err != nil {
				continue
			}
			key, ok := watched[abs]
			if !ok && isYAML(abs) {
				// A YAML file new in a directory watched as a whole.
				key, ok = watched[filepath.Dir(abs)]
			}
			if ok {
				pending[key] = true
				settle.Reset(watchSettle)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			log.Warn("watching the flow files", "error", err)
		case <-settle.C:
			keys := slices.Sorted(maps.Keys(pending))
			clear(pending)
			reload(keys)
			rewatch() // the includes may have changed
		}
	}
}

// Change is a batch of watched files that changed (WatchChanges): their
// keys. The watcher looks at the files again once Done is called, so the
// files to watch may change meanwhile.
type Change struct {
	Files []string
	done  chan struct{}
}

// Done says the change is handled.
func (c Change) Done() { close(c.done) }

// WatchChanges watches files as WatchFiles does, in the background, and
// delivers each change on the returned channel, one at a time, until ctx
// is done. It returns once the files are watched, so a save after that is
// seen. The error channel gets why watching stopped, when it stopped for
// another reason than ctx. `baton chat --watch` and `baton test --watch`
// run on it.
func WatchChanges(ctx context.Context, log *slog.Logger, files func() map[string]string) (<-chan Change, <-chan error) {
	changes, errc, ready := make(chan Change), make(chan error, 1), make(chan struct{})
	go func() {
		err := WatchFilesReady(ctx, log, files, func(keys []string) {
			ch := Change{Files: keys, done: make(chan struct{})}
			select {
			case changes <- ch:
				<-ch.done
			case <-ctx.Done():
			}
		}, ready)
		if err != nil && ctx.Err() == nil {
			errc <- err
		}
	}()
	<-ready
	return changes, errc
}
