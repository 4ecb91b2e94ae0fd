package host

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// /readyz answers 200 only while the turn and reply workers run, as
// docs/serve.md says: a server that serves already (ServeOn starts the
// host, then opens the listener) but whose workers are not running yet
// answers 503. It answered 200 from the moment it served, before the
// workers that take the messages it accepts were running.
func TestReadyzWaitsForTheWorkers(t *testing.T) {
	flow, _ := filepath.Abs("../examples/flows/survey.yaml")
	cfg := loadConfig(t, t.TempDir(), "server: {listen: \"127.0.0.1:0\", shutdown_timeout: 5s}\nchannels: {web: [{flow: "+flow+"}]}\n")
	srv, err := NewServer(cfg, ServerOptions{Logger: slog.New(slog.DiscardHandler), NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	readyz := func() int {
		w := httptest.NewRecorder()
		srv.readyz(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return w.Code
	}
	srv.ready.Store(true) // serving, as ServeOn marks it
	if code := readyz(); code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz, serving, the workers not started: %d, want 503", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Host.Run(ctx) }()
	waitFor(t, "/readyz 200 once the workers run", func() bool { return readyz() == http.StatusOK })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code := readyz(); code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz, the workers stopped: %d, want 503", code)
	}
}
