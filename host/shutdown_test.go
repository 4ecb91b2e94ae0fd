package host

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// SIGTERM's shutdown ends within server.shutdown_timeout, the flush of
// the analytics events included: an events webhook that does not answer
// kept the process 10 seconds (the sink's own flush bound) after a
// shutdown_timeout of 1s, past an orchestrator's kill.
func TestServeShutdownWithinTimeoutWithEventsWebhookDown(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	flow, err := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, t.TempDir(), `server: {shutdown_timeout: 1s}
events: {webhook: "`+down.URL+`"}
channels:
  web:
    - flow: `+flow+`
`)
	srv, err := NewServer(cfg, ServerOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	base := "http://" + l.Addr().String()
	for i := range 3 {
		resp, err := http.Post(base+"/api/messages", "application/json", strings.NewReader(`{"text":"hi `+string(rune('a'+i))+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	time.Sleep(300 * time.Millisecond) // the turns are taken, their events buffered
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
		if d := time.Since(start); d > 2500*time.Millisecond {
			t.Errorf("the shutdown took %s with shutdown_timeout 1s", d.Round(time.Millisecond))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve still running 30s after its context ended")
	}
}
