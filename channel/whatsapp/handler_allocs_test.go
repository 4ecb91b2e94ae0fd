// The race detector drops pooled values at random, so allocations are
// measured only without it (go test ./channel/whatsapp).

//go:build !race

package whatsapp

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
)

// rereader is a request body read again on every run.
type rereader struct{ bytes.Reader }

func (*rereader) Close() error { return nil }

// discardWriter is a ResponseWriter that keeps its header map.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// A notification of one text message costs the handler the message's
// own strings and the structs it is decoded into, not a buffer for its
// body, a slice for its one item, or the answer's header.
func TestHandlerAllocs(t *testing.T) {
	body, err := os.ReadFile("testdata/webhooks/text.json")
	if err != nil {
		t.Fatal(err)
	}
	var rejects []string
	h := newTestHandler(t, discard{}, &rejects)
	rd := &rereader{}
	req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", rd)
	req.Header.Set("X-Hub-Signature-256", whatsapptest.Sign(testSecret, body))
	w := &discardWriter{h: http.Header{}}
	run := func() {
		rd.Reset(body)
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, req)
	}
	run()
	if w.code != 0 && w.code != http.StatusOK {
		t.Fatalf("status %d (%v)", w.code, rejects)
	}
	if n := testing.AllocsPerRun(200, run); n > 19 {
		t.Errorf("the handler allocates %v times for one text message, want at most 19", n)
	}
}
