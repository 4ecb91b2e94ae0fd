package host

import (
	"context"
	"fmt"
	"maps"
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
func (h *Host) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching the flow files: %w", err)
	}
	defer w.Close()
	files := map[string]string{} // file → the flow path it belongs to
	dirs := map[string]bool{}
	rewatch := func() {
		files = h.flowFiles()
		want := map[string]bool{}
		for f := range files {
			want[filepath.Dir(f)] = true
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
				h.log.Warn("cannot watch a flow's directory; reload with SIGHUP instead", "dir", d, "error", err)
				continue
			}
			dirs[d] = true
		}
	}
	rewatch()
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
			if flow, ok := files[abs]; ok {
				pending[flow] = true
				settle.Reset(watchSettle)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			h.log.Warn("watching the flow files", "error", err)
		case <-settle.C:
			paths := slices.Sorted(maps.Keys(pending))
			clear(pending)
			h.log.Info("a flow file changed; reloading", "flows", paths)
			_ = h.Reload(paths...) // refusals are logged
			rewatch()              // the includes may have changed
		}
	}
}
