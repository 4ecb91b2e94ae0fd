package host

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The host check of a request it lets through allocates nothing: every
// webhook delivery goes through it.
func TestHostCheckAllocs(t *testing.T) {
	passed := 0
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { passed++ })
	c := newHostCheck(next, "127.0.0.1:8080", []string{"shop.example.com"}, []string{"/webhooks/", "/healthz"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, tc := range []struct{ host, path string }{
		{"abc.ngrok-free.app", "/webhooks/whatsapp"}, // a tunnel's name: spared
		{"example.com", "/webhooks/whatsapp"},
		{"localhost:8080", "/api/tickets"},
		{"127.0.0.1:8080", "/api/tickets"},
		{"app.localhost", "/"},
		{"shop.example.com", "/api/tickets"},
	} {
		req := httptest.NewRequest(http.MethodPost, "http://"+tc.host+tc.path, nil)
		w := httptest.NewRecorder()
		before := passed
		c.ServeHTTP(w, req)
		if passed != before+1 {
			t.Fatalf("%s%s was refused (%d)", tc.host, tc.path, w.Code)
		}
		if n := testing.AllocsPerRun(100, func() { c.ServeHTTP(w, req) }); n != 0 {
			t.Errorf("%s%s: the check allocates %v times, want none", tc.host, tc.path, n)
		}
	}
}
