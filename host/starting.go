package host

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Starting is the HTTP server of a Server still being built. `baton
// serve` binds its address before NewServer opens the store and loads
// the NLU (seconds on a busy machine, more to check a large bolt file),
// and serves it from then on: /healthz answers 200 and /readyz 503 at
// once, so an orchestrator's probes see a process that is up and not
// ready yet, instead of getting no answer (a probe's timeout, 1 second
// by default on Kubernetes, counts as a failure, and a liveness probe's
// failures restart the process). Every other request waits for the
// server (ServeOn), as it would in the listen queue, or, when it could
// not be built (Close), is answered 503. At most maxStartWaiting wait:
// past them a request is answered 503 with a Retry-After at once.
type Starting struct {
	srv    *http.Server
	errc   chan error
	addr   net.Addr
	opened chan struct{}
	closed chan struct{}
	once   sync.Once
	// handler is the Server's, set before opened is closed.
	handler http.Handler
	// waiting counts the requests waiting for the server (tests).
	waiting atomic.Int32
}

// The server's timeouts: a whole request is read within readTimeout
// and answered within writeTimeout (variables for the tests).
var (
	readTimeout  = 30 * time.Second
	writeTimeout = 60 * time.Second
	// maxStartWaiting bounds the requests held while starting; one more
	// is answered 503 with a Retry-After (providers redeliver).
	maxStartWaiting int32 = 1024
)

// ServeStarting serves l until a Server takes it over (ServeOn) or
// Close is called.
func ServeStarting(l net.Listener, log *slog.Logger) *Starting {
	if log == nil {
		log = slog.Default()
	}
	st := &Starting{errc: make(chan error, 1), addr: l.Addr(), opened: make(chan struct{}), closed: make(chan struct{})}
	st.srv = &http.Server{Handler: st, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() { st.errc <- st.srv.Serve(l) }()
	return st
}

// ServeHTTP answers the probes while starting and holds every other
// request until the server is there.
func (st *Starting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case <-st.opened:
		st.handler.ServeHTTP(w, r)
		return
	default:
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		switch r.URL.Path {
		case "/healthz":
			w.Write([]byte("ok\n"))
			return
		case "/readyz":
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
	}
	if st.waiting.Add(1) > maxStartWaiting {
		st.waiting.Add(-1)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "starting; try again", http.StatusServiceUnavailable)
		return
	}
	defer st.waiting.Add(-1)
	select {
	case <-st.opened:
		// The server's read and write timeouts count from the request's
		// start: a request held through a long start gets them again,
		// from now, as it did when it waited unaccepted in the listen
		// queue (its body is not read yet).
		rc := http.NewResponseController(w)
		now := time.Now()
		_ = rc.SetReadDeadline(now.Add(st.srv.ReadTimeout))
		_ = rc.SetWriteDeadline(now.Add(st.srv.WriteTimeout))
		st.handler.ServeHTTP(w, r)
	case <-st.closed:
		http.Error(w, "the server could not start", http.StatusServiceUnavailable)
	case <-r.Context().Done():
	}
}

// open hands every request, those waiting included, to h.
func (st *Starting) open(h http.Handler) {
	st.once.Do(func() {
		st.handler = h
		close(st.opened)
	})
}

// Close stops serving when the server could not be built: the requests
// waiting for it are answered 503, and the listener is closed.
func (st *Starting) Close() {
	st.once.Do(func() {
		close(st.closed)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = st.srv.Shutdown(ctx)
	})
}
