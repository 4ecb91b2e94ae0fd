package studio

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Serve serves the page on l until ctx is done, reloading the flow when
// its files change if watch is set.
func (s *Studio) Serve(ctx context.Context, l net.Listener, watch bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if watch {
		go func() {
			if err := s.Watch(ctx); err != nil {
				s.log.Warn("not watching the flow files: reload from the page instead", "error", err)
			}
		}()
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		s.Close() // the pages' event streams end, then the server
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
