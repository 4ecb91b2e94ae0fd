package llm

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// toFake is an HTTP client that sends every request to f, whatever its
// URL: a base URL of https://api.openai.com/v1 reaches the fake.
func toFake(f *fakeOpenAI) *http.Client {
	u, _ := url.Parse(f.srv.URL)
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = u.Scheme, u.Host
		return http.DefaultTransport.RoundTrip(r)
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestMaxTokens: every request bounds the answer, in the field the server
// reads: max_completion_tokens on OpenAI (its reasoning models reject
// max_tokens) and for a reasoning model's name anywhere, max_tokens
// elsewhere (Ollama reads nothing else).
func TestMaxTokens(t *testing.T) {
	tests := []struct {
		name      string
		openai    bool
		model     string
		opts      []Option
		field     string
		want      float64
		wantOther string // the field that must be absent
	}{
		{"local server", false, "llama3.1:8b", nil, "max_tokens", DefaultMaxTokens, "max_completion_tokens"},
		{"local server, set", false, "llama3.1:8b", []Option{WithMaxTokens(300)}, "max_tokens", 300, "max_completion_tokens"},
		{"openai", true, "gpt-4o-mini", nil, "max_completion_tokens", DefaultMaxTokens, "max_tokens"},
		{"openai, set", true, "gpt-4.1-mini", []Option{WithMaxTokens(200)}, "max_completion_tokens", 200, "max_tokens"},
		{"openai reasoning", true, "gpt-5-mini", nil, "max_completion_tokens", DefaultReasoningMaxTokens, "max_tokens"},
		{"reasoning model behind a proxy", false, "o4-mini", nil, "max_completion_tokens", DefaultReasoningMaxTokens, "max_tokens"},
		{"gpt-6 on openai", true, "gpt-6-luna", nil, "max_completion_tokens", DefaultReasoningMaxTokens, "max_tokens"},
		{"gpt-6 behind a proxy", false, "gpt-6.1-sol", nil, "max_completion_tokens", DefaultReasoningMaxTokens, "max_tokens"},
		{"gpt-oss on ollama", false, "gpt-oss:20b", nil, "max_tokens", DefaultMaxTokens, "max_completion_tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := analyseThenSummarise(t, tt.model, tt.openai, tt.opts...)
			for n, what := range []string{"analysis", "summary"} {
				req := f.request(n + 1)
				if got := req[tt.field]; got != tt.want {
					t.Errorf("%s: %s = %v, want %v", what, tt.field, got, tt.want)
				}
				if got, ok := req[tt.wantOther]; ok {
					t.Errorf("%s: %s = %v, want it absent (sent both, OpenAI's reasoning models answer 400)", what, tt.wantOther, got)
				}
			}
		})
	}
	if _, err := New(WithBaseURL("http://localhost:8080/v1"), WithModel("m"), WithMaxTokens(-1)); err == nil || !strings.Contains(err.Error(), "max tokens -1 must be positive") {
		t.Errorf("WithMaxTokens(-1): New error = %v", err)
	}
}

// TestCutAtMaxTokens: an answer that ran into the bound says which bound,
// and what to do.
func TestCutAtMaxTokens(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeCompletion(w, `{"intent":"ref`, "length") })
	a := newTest(t, f, WithFallback(unsureFallback()), WithMaxTokens(64))
	want := "invalid response: the answer was cut at max tokens 64 (finish_reason length): raise max_tokens"
	if got := analyze(t, a, "rimborso"); got.Fallback != want {
		t.Errorf("Fallback = %q, want %q", got.Fallback, want)
	}
	if _, err := a.Summarize(context.Background(), summaryHandoff()); err == nil || err.Error() != "llm: summary: "+want {
		t.Errorf("Summarize error = %v, want %q", err, "llm: summary: "+want)
	}
}

// analyseThenSummarise runs one analysis and one summary with model,
// through OpenAI's own URL when openai is set (else a server of its own),
// and returns the fake that took both requests (1: the analysis, 2: the
// summary), for the test to read what they carried.
func analyseThenSummarise(t *testing.T, model string, openai bool, extra ...Option) *fakeOpenAI {
	t.Helper()
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			writeSignals(w, "refund", 0.9)
			return
		}
		writeCompletion(w, "La cliente chiede un rimborso.", "stop")
	})
	opts := []Option{WithModel(model), WithFallback(unsureFallback())}
	if openai {
		opts = append(opts, WithBaseURL("https://api.openai.com/v1"), WithHTTPClient(toFake(f)))
	}
	a := newTest(t, f, append(opts, extra...)...)
	if got := analyze(t, a, "rimborso"); got.Fallback != "" {
		t.Fatalf("analysis fell back: %s", got.Fallback)
	}
	if _, err := a.Summarize(context.Background(), summaryHandoff()); err != nil {
		t.Fatalf("summary: %v", err)
	}
	return f
}
