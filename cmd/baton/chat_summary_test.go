package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeOpenAISummary answers the chat-completions API as OpenAI does: an
// analysis (a request with a json_schema response_format) gets signals that
// hand off; a summary (plain text) gets summary, or summaryStatus when it is
// not 200. It records the summary requests.
type fakeOpenAISummary struct {
	srv           *httptest.Server
	summary       string
	summaryStatus int

	mu        sync.Mutex
	summaries []string // user messages of the summary requests
}

func newFakeOpenAISummary(t *testing.T, summaryStatus int, summary string) *fakeOpenAISummary {
	t.Helper()
	f := &fakeOpenAISummary{summary: summary, summaryStatus: summaryStatus}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`)
			return
		}
		var req struct {
			Model          string          `json:"model"`
			ResponseFormat json.RawMessage `json:"response_format"`
			Messages       []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "test-model" || len(req.Messages) != 2 {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		content := `{"intent":"unknown","confidence":0.2,"wants_human":true,"frustrated":false,"sentiment":0,"language":"it"}`
		if len(req.ResponseFormat) == 0 {
			f.mu.Lock()
			f.summaries = append(f.summaries, req.Messages[1].Content)
			f.mu.Unlock()
			if f.summaryStatus != http.StatusOK {
				w.WriteHeader(f.summaryStatus)
				_, _ = io.WriteString(w, `{"error":{"message":"upstream failed","type":"server_error"}}`)
				return
			}
			content = f.summary
		}
		c, _ := json.Marshal(content)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"test-model",`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":`+string(c)+`},"finish_reason":"stop"}],`+
			`"usage":{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20}}`)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOpenAISummary) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.summaries...)
}

// webhookOpens records the data of the handoff.open events a webhook
// connector posts.
func webhookOpens(t *testing.T) (*httptest.Server, func() []map[string]any) {
	t.Helper()
	var mu sync.Mutex
	var opens []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		if ev.Type == "handoff.open" {
			mu.Lock()
			opens = append(opens, ev.Data)
			mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return append([]map[string]any(nil), opens...)
	}
}

const llmSummary = "La cliente chiede di essere richiamata al numero [phone]. Il bot non ha raccolto altro. Ha chiesto una persona."

// With an LLM configured, the ticket starts with the LLM's summary of the
// conversation, written from the masked transcript.
func TestChatLiveTicketGetsTheLLMSummary(t *testing.T) {
	llmSrv := newFakeOpenAISummary(t, http.StatusOK, llmSummary)
	hook, opens := webhookOpens(t)
	cfg := writeLLMConfig(t, llmSrv.srv.URL, hook.URL)
	code, stdout, stderr := runLiveLLM(t, "mi richiami il mio numero +393331234567 per favore\n", "--config", cfg, "--store", filepath.Join(t.TempDir(), "s.db"), "testdata/flows/llm.yaml")
	wantCode(t, code, exitOK, stdout, stderr)

	reqs := llmSrv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d summary requests, want 1\n%s", len(reqs), stdout)
	}
	if !strings.Contains(reqs[0], "Customer: mi richiami il mio numero [phone] per favore") || strings.Contains(reqs[0], "3331234567") {
		t.Errorf("the summary request should carry the masked transcript:\n%s", reqs[0])
	}
	hs := events(t, stdout, "handoff")
	if len(hs) != 1 || hs[0]["summary"] != llmSummary {
		t.Errorf("the handoff event should carry the LLM summary: %v", hs)
	}
	got := opens()
	if len(got) != 1 {
		t.Fatalf("%d tickets opened, want 1\nstderr:\n%s", len(got), stderr)
	}
	if got[0]["summary"] != llmSummary {
		t.Errorf("ticket summary = %q, want the LLM's %q", got[0]["summary"], llmSummary)
	}
	for _, fb := range events(t, stdout, "nlu_fallback") {
		t.Errorf("unexpected fallback: %v", fb)
	}
}

// When the LLM cannot summarise, the ticket gets the extractive summary
// and the chat says why.
func TestChatLiveTicketKeepsTheExtractiveSummaryWhenTheLLMFails(t *testing.T) {
	llmSrv := newFakeOpenAISummary(t, http.StatusBadGateway, "")
	hook, opens := webhookOpens(t)
	cfg := writeLLMConfig(t, llmSrv.srv.URL, hook.URL)
	code, stdout, stderr := runLiveLLM(t, "mi richiami il mio numero +393331234567 per favore\n", "--config", cfg, "--store", filepath.Join(t.TempDir(), "s.db"), "testdata/flows/llm.yaml")
	wantCode(t, code, exitOK, stdout, stderr)

	if n := len(llmSrv.requests()); n < 2 {
		t.Errorf("the summary was asked %d times; a 502 is retried", n)
	}
	fb := events(t, stdout, "nlu_fallback")
	if len(fb) != 1 || fb[0]["reason"] != "summary: http 502" || fb[0]["source"] != "extractive" {
		t.Errorf("want one nlu_fallback {reason: summary: http 502, source: extractive}, got %v", fb)
	}
	got := opens()
	if len(got) != 1 {
		t.Fatalf("%d tickets opened, want 1\nstderr:\n%s", len(got), stderr)
	}
	sum, _ := got[0]["summary"].(string)
	if sum == "" || sum == llmSummary || !strings.Contains(sum, "mi richiami il mio numero") {
		t.Errorf("ticket summary = %q, want the extractive one quoting the customer", sum)
	}
}
