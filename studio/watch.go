package studio

import (
	"context"
	"path/filepath"

	"github.com/batonbot/baton/host"
)

// Watch reloads the flow when its file, a file it includes or the
// deployment config changes on disk, until ctx is done, and tells the open
// pages (host.WatchFiles: editors that save by renaming a new file over
// the old one are seen too).
func (s *Studio) Watch(ctx context.Context) error { return s.WatchReady(ctx, nil) }

// WatchReady is Watch, closing ready (when not nil) once the files are
// watched, or watching could not start (WatchReady then returns the
// error): a change saved from then on is seen.
func (s *Studio) WatchReady(ctx context.Context, ready chan<- struct{}) error {
	files := func() map[string]string {
		out := map[string]string{}
		for _, f := range s.files() {
			if abs, err := filepath.Abs(f); err == nil {
				out[abs] = s.o.Flow
			}
		}
		return out
	}
	return host.WatchFilesReady(ctx, s.log, files, func([]string) { s.Reload(ctx) }, ready)
}

// Reload loads the flow (and config) files again, as an edit of them
// does, and tells the open pages (`baton sandbox` on SIGHUP).
func (s *Studio) Reload(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reload(ctx)
	s.changed()
}
