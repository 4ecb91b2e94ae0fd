package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

const testKey = "sk-test-123"

// fakeOpenAI speaks the chat-completions wire format: POST
// /v1/chat/completions with a bearer key and a JSON body; it answers with
// what reply returns for the n-th request (1-based).
type fakeOpenAI struct {
	t      testing.TB
	srv    *httptest.Server
	reply  func(n int, w http.ResponseWriter, r *http.Request)
	mu     sync.Mutex
	bodies [][]byte
	at     []time.Time
	hits   atomic.Int32
}

func newFake(t testing.TB, reply func(n int, w http.ResponseWriter, r *http.Request)) *fakeOpenAI {
	f := &fakeOpenAI{t: t, reply: reply}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOpenAI) url() string { return f.srv.URL + "/v1" }

func (f *fakeOpenAI) serve(w http.ResponseWriter, r *http.Request) {
	n := int(f.hits.Add(1))
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.at = append(f.at, time.Now())
	f.mu.Unlock()
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions":
		f.t.Errorf("fake: got %s %s, want POST /v1/chat/completions", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	case r.Header.Get("Authorization") != "Bearer "+testKey:
		f.t.Errorf("fake: Authorization = %q, want Bearer %s", r.Header.Get("Authorization"), testKey)
		writeError(w, http.StatusUnauthorized, "Incorrect API key provided", "invalid_api_key")
		return
	case r.Header.Get("Content-Type") != "application/json":
		f.t.Errorf("fake: Content-Type = %q", r.Header.Get("Content-Type"))
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		f.t.Errorf("fake: body is not JSON: %v", err)
		writeError(w, http.StatusBadRequest, "bad json", "invalid_request_error")
		return
	}
	for _, k := range []string{"model", "messages"} {
		if _, ok := req[k]; !ok {
			f.t.Errorf("fake: request has no %q: %s", k, body)
		}
	}
	_, maxTokens := req["max_tokens"]
	_, maxCompletion := req["max_completion_tokens"]
	if !maxTokens && !maxCompletion {
		f.t.Errorf("fake: request has no max_tokens nor max_completion_tokens: the answer is unbounded: %s", body)
	}
	var model string
	json.Unmarshal(req["model"], &model)
	if maxTokens && openAIReasoning(model) {
		// OpenAI's answer to max_tokens for a reasoning model.
		writeErrorParam(w, http.StatusBadRequest, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", "invalid_request_error", "max_tokens", "unsupported_parameter")
		return
	}
	if raw, ok := req["reasoning_effort"]; ok {
		var effort string
		json.Unmarshal(raw, &effort)
		switch {
		case !openAIReasoning(model):
			// OpenAI's answer to reasoning_effort for a model without reasoning.
			writeErrorParam(w, http.StatusBadRequest, "Unsupported parameter: 'reasoning_effort' is not supported with this model.", "invalid_request_error", "reasoning_effort", "unsupported_parameter")
			return
		case !slices.Contains([]string{"none", "minimal", "low", "medium", "high", "xhigh", "max"}, effort):
			writeErrorParam(w, http.StatusBadRequest, "Invalid value: '"+effort+"'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh' and 'max'.", "invalid_request_error", "reasoning_effort", "invalid_value")
			return
		}
	}
	var temp *float64
	json.Unmarshal(req["temperature"], &temp)
	if temp != nil && *temp != 1 && openAIReasoning(model) {
		// And to a temperature other than its default.
		writeErrorParam(w, http.StatusBadRequest, "Unsupported value: 'temperature' does not support "+strconv.FormatFloat(*temp, 'g', -1, 64)+" with this model. Only the default (1) value is supported.", "invalid_request_error", "temperature", "unsupported_value")
		return
	}
	f.reply(n, w, r)
}

// request returns the n-th request body decoded (1-based).
func (f *fakeOpenAI) request(n int) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n > len(f.bodies) {
		f.t.Fatalf("fake: only %d requests, want #%d", len(f.bodies), n)
	}
	var m map[string]any
	if err := json.Unmarshal(f.bodies[n-1], &m); err != nil {
		f.t.Fatal(err)
	}
	return m
}

func (f *fakeOpenAI) rawRequest(n int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return string(f.bodies[n-1])
}

func writeCompletion(w http.ResponseWriter, content, finish string) {
	w.Header().Set("Content-Type", "application/json")
	c, _ := json.Marshal(content)
	fmt.Fprintf(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"test-model",`+
		`"choices":[{"index":0,"message":{"role":"assistant","content":%s},"logprobs":null,"finish_reason":%q}],`+
		`"usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120}}`, c, finish)
}

func writeSignals(w http.ResponseWriter, intent string, conf float64) {
	writeCompletion(w, fmt.Sprintf(`{"intent":%q,"confidence":%g,"wants_human":false,"frustrated":true,"sentiment":-0.7,"language":"it"}`, intent, conf), "stop")
}

func writeError(w http.ResponseWriter, status int, msg, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":"requests","param":null,"code":%q}}`, msg, code)
}

// openAIReasoning tells OpenAI's reasoning models, which reject
// max_tokens and a temperature other than their default, by name.
func openAIReasoning(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5", "gpt-6"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

func writeErrorParam(w http.ResponseWriter, status int, msg, typ, param, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":%q,"param":%q,"code":%q}}`, msg, typ, param, code)
}

// fakeFallback stands in for the built-in analyser.
type fakeFallback struct {
	sig   flows.Signals
	err   error
	calls atomic.Int32
}

func (f *fakeFallback) Analyze(_ context.Context, in flows.AnalyzeInput) (flows.Signals, error) {
	f.calls.Add(1)
	if f.err != nil {
		return flows.Signals{}, f.err
	}
	s := f.sig
	s.Source = "builtin"
	s.Entities = flows.ExtractPII(in.Text)
	return s, nil
}

var _ flows.Analyzer = (*fakeFallback)(nil)

func unsureFallback() *fakeFallback {
	return &fakeFallback{sig: flows.Signals{Intent: flows.UnknownIntent, Confidence: 0.1, Language: "it"}}
}

// newTest returns an analyser wired to f with test-friendly timing.
func newTest(t testing.TB, f *fakeOpenAI, opts ...Option) *Analyzer {
	t.Helper()
	base := []Option{
		WithBaseURL(f.url()),
		WithAPIKey(testKey),
		WithModel("test-model"),
		WithIntents([]string{"track_order", "refund"}),
		WithTimeout(30 * time.Second), // far above any answer, even on a busy machine
		WithBackoff(time.Millisecond, 2*time.Millisecond),
	}
	a, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
