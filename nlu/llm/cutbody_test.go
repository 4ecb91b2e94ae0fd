package llm

import (
	"net/http"
	"testing"
)

// TestConnectionClosedEarly: a connection closed before the whole answer
// (a body shorter than its Content-Length, or no response at all: a
// proxy or a server restarting) is a network error, retried like one,
// not a permanent "unexpected EOF".
func TestConnectionClosedEarly(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(w http.ResponseWriter)
	}{
		{"body cut", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			w.Write([]byte(`{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{\"intent`))
		}},
		{"no response", func(w http.ResponseWriter) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					tc.fail(w)
					return
				}
				writeSignals(w, "refund", 0.8)
			})
			a := newTest(t, f, WithFallback(unsureFallback()))
			got := analyze(t, a, "voglio un rimborso")
			if f.hits.Load() != 2 || got.Source != "llm" {
				t.Errorf("%d requests, Source %q, Fallback %q; want it retried and answered", f.hits.Load(), got.Source, got.Fallback)
			}

			f = newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { tc.fail(w) })
			a = newTest(t, f, WithFallback(unsureFallback()))
			const want = "network error: the connection closed before the whole answer"
			if got := analyze(t, a, "voglio un rimborso"); got.Fallback != want || f.hits.Load() != 3 {
				t.Errorf("Fallback %q after %d requests, want %q after 3", got.Fallback, f.hits.Load(), want)
			}
		})
	}
}

// TestEmptyBody: a 200 with no body is an invalid answer, not a network
// error.
func TestEmptyBody(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
	})
	a := newTest(t, f, WithFallback(unsureFallback()))
	const want = "invalid response: the body is empty, not a chat completion"
	if got := analyze(t, a, "voglio un rimborso"); got.Fallback != want || f.hits.Load() != 1 {
		t.Errorf("Fallback %q after %d requests, want %q after 1", got.Fallback, f.hits.Load(), want)
	}
}
