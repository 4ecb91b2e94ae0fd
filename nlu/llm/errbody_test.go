package llm

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestErrorBodyNotOpenAIShaped: a 429 or 5xx is retried and reported by
// its status whatever its body says. Servers that speak the protocol
// for requests but not for errors (Hugging Face TGI answers
// {"error":"Model is overloaded","error_type":"overloaded"}) used to be
// taken for a permanent failure with no status: never retried, and the
// summary's error was go-openai's raw text.
func TestErrorBodyNotOpenAIShaped(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
	}{
		{http.StatusTooManyRequests, `{"error":"Model is overloaded","error_type":"overloaded"}`},
		{http.StatusInternalServerError, `{"error":"boom"}`},
		{http.StatusServiceUnavailable, `{"error":{"code":503,"type":"unavailable_error"}}`},
	} {
		f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
				return
			}
			writeSignals(w, "refund", 0.8)
		})
		a := newTest(t, f, WithFallback(unsureFallback()))
		got := analyze(t, a, "voglio un rimborso")
		if f.hits.Load() != 2 || got.Source != "llm" {
			t.Errorf("%d %s: %d requests, Source %q, Fallback %q; want it retried and answered", tc.status, tc.body, f.hits.Load(), got.Source, got.Fallback)
		}

		f = newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.body))
		})
		a = newTest(t, f, WithFallback(unsureFallback()))
		want := "http " + strconv.Itoa(tc.status)
		if got := analyze(t, a, "voglio un rimborso"); got.Fallback != want || f.hits.Load() != 3 {
			t.Errorf("%d %s: Fallback %q after %d requests, want %q after 3", tc.status, tc.body, got.Fallback, f.hits.Load(), want)
		}
		_, err := a.Summarize(context.Background(), summaryHandoff())
		if err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("%d %s: Summarize error %v, want one ending %q", tc.status, tc.body, err, want)
		}
	}
}

// TestErrorBodyMessageKept: the message of an error body in another
// server's shape is kept in the reason, as OpenAI's is: vLLM answers
// {"object":"error","message":...}, Hugging Face TGI {"error":"..."}.
func TestErrorBodyMessageKept(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"error":"Input validation error: inputs must have less than 4096 tokens","error_type":"validation"}`, "http 400: Input validation error: inputs must have less than 4096 tokens"},
		{`{"object":"error","message":"The model does not support response_format json_schema","type":"BadRequestError","param":null,"code":400}`, "http 400: The model does not support response_format json_schema"},
		{`<html>400 Bad Request</html>`, "http 400"},
	} {
		f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(tc.body))
		})
		a := newTest(t, f, WithFallback(unsureFallback()))
		if got := analyze(t, a, "voglio un rimborso"); got.Fallback != tc.want || f.hits.Load() != 1 {
			t.Errorf("%s: Fallback %q after %d requests, want %q after 1", tc.body, got.Fallback, f.hits.Load(), tc.want)
		}
	}
}
