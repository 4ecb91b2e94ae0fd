package studio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/batonbot/baton/host"
)

// Serve serves the page on l until ctx is done, reloading the flow when
// its files change if watch is set (watched before it serves: see
// StartWatch).
func (s *Studio) Serve(ctx context.Context, l net.Listener, watch bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if watch {
		s.StartWatch(ctx)
	}
	h := s.Handler()
	if host.IsLoopback(l.Addr().String()) {
		h = loopbackOnly(h, s)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
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

// StartWatch reloads the flow when its files change, until ctx is done,
// and returns once they are watched: a change saved after it returns is
// seen. When they cannot be watched it logs why and returns.
func (s *Studio) StartWatch(ctx context.Context) {
	ready := make(chan struct{})
	go func() {
		if err := s.WatchReady(ctx, ready); err != nil {
			s.log.Warn("not watching the flow files: reload from the page instead", "error", err)
		}
	}()
	<-ready
}

// loopbackOnly answers only requests to a loopback name (localhost, a
// .localhost name, a loopback address): the page has no login, and a
// site whose name its owner rebinds to 127.0.0.1 (DNS rebinding) is its
// own origin, so the Origin check alone would let that site's page read
// the flow and the conversation and write test files.
func loopbackOnly(h http.Handler, s *Studio) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.Host
		if hn, _, err := net.SplitHostPort(r.Host); err == nil {
			name = hn
		}
		// A final dot is the same name fully qualified (localhost.), as
		// serve's Host check takes it.
		name = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(name, "["), "]"), ".")
		if !host.IsLoopback(net.JoinHostPort(name, "0")) && !strings.HasSuffix(strings.ToLower(name), ".localhost") {
			s.log.Warn("sandbox: request refused", "path", r.URL.Path, "host", r.Host)
			writeJSON(w, http.StatusForbidden, apiError{Error: fmt.Sprintf("this sandbox answers on loopback names only, not %q: open it at localhost or 127.0.0.1", r.Host)})
			return
		}
		h.ServeHTTP(w, r)
	})
}
