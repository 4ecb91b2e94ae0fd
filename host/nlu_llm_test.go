package host

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// llmCall is what a chat-completions request carried.
type llmCall struct {
	auth string
	body map[string]any
}

// recordingLLM is a chat-completions server that answers every request
// with a summary and records each request.
func recordingLLM(t *testing.T) (*httptest.Server, func() []llmCall) {
	var mu sync.Mutex
	var calls []llmCall
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c := llmCall{auth: r.Header.Get("Authorization")}
		json.Unmarshal(b, &c.body)
		mu.Lock()
		calls = append(calls, c)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"test-model",`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":"`+llmSummary+`"},"finish_reason":"stop"}],`+
			`"usage":{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []llmCall {
		mu.Lock()
		defer mu.Unlock()
		return append([]llmCall(nil), calls...)
	}
}

// summarise asks n's LLM for one summary.
func summarise(t *testing.T, n *NLU) {
	t.Helper()
	s, err := n.Summarizer(nil, nil)
	if err != nil || s == nil {
		t.Fatalf("Summarizer = %v, %v", s, err)
	}
	h := &flows.Handoff{Reason: "asks_for_human", Transcript: []flows.Message{{From: flows.RoleUser, Text: "I want a person"}}}
	if _, err := s.Summarize(context.Background(), h); err != nil {
		t.Fatalf("Summarize: %v", err)
	}
}

// nlu.llm.max_tokens bounds what the model writes; without it the
// adapter's default is sent.
func TestLLMMaxTokens(t *testing.T) {
	for _, tt := range []struct {
		max  int
		want float64
	}{{300, 300}, {0, 1024}} {
		srv, calls := recordingLLM(t)
		cfg := &handoff.Config{NLU: handoff.ConfigNLU{Analyser: "llm", LLM: handoff.ConfigLLM{BaseURL: srv.URL + "/v1", Model: "test-model", MaxTokens: tt.max}}}
		summarise(t, NewNLU(cfg, nil, true))
		if got := calls(); len(got) != 1 || got[0].body["max_tokens"] != tt.want {
			t.Errorf("max_tokens %d: requests %v, want one with max_tokens %v", tt.max, got, tt.want)
		}
	}
}
