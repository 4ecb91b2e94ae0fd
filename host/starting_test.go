package host

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// startingGet gets base+path, returning its status and body.
func startingGet(t *testing.T, base, path string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(base + path)
	if err != nil {
		t.Errorf("GET %s: %v", path, err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitWaiting returns once n requests wait for the server.
func waitWaiting(st *Starting, n int32) {
	for st.waiting.Load() < n {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// While `baton serve` is starting (its address bound, the store and the
// NLU loading), an orchestrator's probes are answered at once, as
// docs/serve.md says: /healthz 200, /readyz 503. They waited with every
// other request until the server was built, and a liveness probe timing
// out meanwhile restarted the process. The other requests still wait for
// the server and are then served.
func TestProbesAnswerWhileStarting(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	st := ServeStarting(l, log)
	base := "http://" + l.Addr().String()
	for _, tt := range []struct {
		path string
		want int
	}{{"/healthz", 200}, {"/readyz", 503}} {
		if code, body := startingGet(t, base, tt.path); code != tt.want {
			t.Errorf("GET %s while starting: %d %q, want %d", tt.path, code, body, tt.want)
		}
	}
	waited := make(chan int, 1)
	go func() {
		code, _ := startingGet(t, base, "/metrics")
		waited <- code
	}()
	waitWaiting(st, 1)

	flow, _ := filepath.Abs("../examples/flows/survey.yaml")
	cfg := loadConfig(t, t.TempDir(), "server: {listen: \"127.0.0.1:0\", shutdown_timeout: 5s}\nchannels: {web: [{flow: "+flow+"}]}\n")
	srv, err := NewServer(cfg, ServerOptions{Logger: log, NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-waited:
		t.Fatalf("GET /metrics answered %d before the server was served", code)
	default:
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeOn(ctx, st) }()
	if code := <-waited; code != 200 {
		t.Errorf("GET /metrics, waiting while starting: %d, want 200 once served", code)
	}
	// 200 once the workers ServeOn started run (TestReadyzWaitsForTheWorkers).
	waitFor(t, "GET /readyz 200 once served", func() bool {
		code, _ := startingGet(t, base, "/readyz")
		return code == 200
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// A server that could not be built (a store that cannot be opened) closes
// its Starting: the requests that waited for it are answered 503, and the
// address is free again.
func TestStartingClosedAnswersWaiting(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	st := ServeStarting(l, slog.New(slog.DiscardHandler))
	base := "http://" + l.Addr().String()
	waited := make(chan int, 1)
	go func() {
		code, _ := startingGet(t, base, "/webhooks/whatsapp")
		waited <- code
	}()
	waitWaiting(st, 1)
	st.Close()
	if code := <-waited; code != http.StatusServiceUnavailable {
		t.Errorf("a request waiting for a server that did not start: %d, want 503", code)
	}
	l2, err := net.Listen("tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("the address after Close: %v", err)
	}
	l2.Close()
}

// A request held while the server starts has the server's read timeout
// again once served: held longer than it, its body was still read. It
// counted from the request's start, and the body of a webhook held
// through a long start (a large bolt file checked) could not be read.
func TestStartingHeldRequestGetsItsTimeoutsAgain(t *testing.T) {
	defer func(r, w time.Duration) { readTimeout, writeTimeout = r, w }(readTimeout, writeTimeout)
	readTimeout, writeTimeout = 50*time.Millisecond, 50*time.Millisecond
	// Past what the server reads with the headers: the rest is read by
	// the handler, under the read deadline.
	heldBody := `{"held":"` + strings.Repeat("x", 64<<10) + `"}`
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	st := ServeStarting(l, slog.New(slog.DiscardHandler))
	defer st.Close()
	got := make(chan string, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			got <- "reading the body: " + err.Error()
			return
		}
		got <- string(b)
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c := &http.Client{Timeout: 30 * time.Second}
		resp, err := c.Post("http://"+l.Addr().String()+"/webhooks/whatsapp", "application/json", strings.NewReader(heldBody))
		if err == nil {
			resp.Body.Close()
		}
	}()
	waitWaiting(st, 1)
	// Held past the read timeout (the start takes its time).
	time.Sleep(4 * readTimeout)
	st.open(h)
	if body := <-got; body != heldBody {
		t.Errorf("the held request's body: %.80q (%d bytes), want its %d bytes", body, len(body), len(heldBody))
	}
	<-done
}

// The requests held while the server starts are bounded: past
// maxStartWaiting, one more is answered 503 with a Retry-After at once
// (a provider redelivers a webhook so answered) instead of holding a
// goroutine and a connection each for as long as the start takes.
func TestStartingBoundsWaiting(t *testing.T) {
	defer func(n int32) { maxStartWaiting = n }(maxStartWaiting)
	maxStartWaiting = 2
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	st := ServeStarting(l, slog.New(slog.DiscardHandler))
	defer st.Close()
	base := "http://" + l.Addr().String()
	for range 2 {
		go startingGet(t, base, "/webhooks/whatsapp")
	}
	waitWaiting(st, 2)
	c := &http.Client{Timeout: 10 * time.Second} // held, it would wait for the whole start
	resp, err := c.Get(base + "/webhooks/whatsapp")
	if err != nil {
		t.Fatalf("a third request while two wait: %v; want 503 at once", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a third request while two wait: %d, Retry-After %q; want 503 with a Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}
