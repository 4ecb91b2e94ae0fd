package studio

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchSettle is how long Watch waits after the last change before
// reloading: an editor's save is often several writes, a rename and a
// chmod.
const watchSettle = 200 * time.Millisecond

// Watch reloads the flow when its file, a file it includes or the
// deployment config changes on disk, until ctx is done, and tells the open
// pages. It watches the files' directories, so editors that save by
// writing a new file and renaming it over the old one are seen too.
func (s *Studio) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching the flow files: %w", err)
	}
	defer w.Close()
	files := map[string]bool{}
	dirs := map[string]bool{}
	rewatch := func() {
		clear(files)
		for _, f := range s.files() {
			abs, err := filepath.Abs(f)
			if err != nil {
				continue
			}
			files[abs] = true
			d := filepath.Dir(abs)
			if dirs[d] {
				continue
			}
			if err := w.Add(d); err != nil {
				s.log.Warn("cannot watch a flow's directory; reload from the page instead", "dir", d, "error", err)
				continue
			}
			dirs[d] = true
		}
	}
	rewatch()
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
			if abs, err := filepath.Abs(ev.Name); err == nil && files[abs] {
				settle.Reset(watchSettle)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			s.log.Warn("watching the flow files", "error", err)
		case <-settle.C:
			s.mu.Lock()
			s.reload(ctx)
			s.changed()
			s.mu.Unlock()
			rewatch() // the includes may have changed
		}
	}
}
