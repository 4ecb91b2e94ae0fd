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
func (s *Studio) Watch(ctx context.Context) error {
	files := func() map[string]string {
		out := map[string]string{}
		for _, f := range s.files() {
			if abs, err := filepath.Abs(f); err == nil {
				out[abs] = s.o.Flow
			}
		}
		return out
	}
	return host.WatchFiles(ctx, s.log, files, func([]string) { s.Reload(ctx) })
}

// Reload loads the flow (and config) files again, as an edit of them
// does, and tells the open pages (`baton sandbox` on SIGHUP).
func (s *Studio) Reload(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reload(ctx)
	s.changed()
}
