package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeOpenAI answers POST /v1/chat/completions as the OpenAI API does: a
// chat.completion whose message content is the signals as JSON, or an
// error status.
func fakeOpenAI(t *testing.T, status int, signals string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") != "Bearer sk-test" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`)
			return
		}
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "test-model" {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		for _, m := range req.Messages {
			if strings.Contains(m.Content, "+393331234567") {
				t.Errorf("the phone number reached the LLM unmasked: %q", m.Content)
			}
		}
		if status != http.StatusOK {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"error":{"message":"upstream failed","type":"server_error"}}`)
			return
		}
		content, _ := json.Marshal(signals)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"test-model",`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":`+string(content)+`},"finish_reason":"stop"}],`+
			`"usage":{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func writeLLMConfig(t *testing.T, llmURL, hookURL string) string {
	t.Helper()
	return writeConfig(t, `version: 1
nlu:
  analyser: llm
  llm:
    base_url: `+llmURL+`/v1
    model: test-model
    api_key: ${TEST_LLM_KEY}
    timeout: 2s
connectors:
  webhook:
    url: `+hookURL+`
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
routing:
  default_team: support
teams:
  support: {name: Support}
`)
}

func runLiveLLM(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	return runLiveEnv(t, map[string]string{"TEST_LLM_KEY": "sk-test"}, stdin, append([]string{"--phone", "+393331234567"}, args...)...)
}

// A request for a person the built-in analyser does not recognise, that
// the configured LLM does: the flow's wants_human trigger hands off, and
// the handoff's signals say they came from the LLM.
func TestChatLiveAsksTheLLM(t *testing.T) {
	llmSrv, calls := fakeOpenAI(t, http.StatusOK, `{"intent":"unknown","confidence":0.2,"wants_human":true,"frustrated":false,"sentiment":0,"language":"it"}`)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hook.Close)
	cfg := writeLLMConfig(t, llmSrv.URL, hook.URL)
	code, stdout, stderr := runLiveLLM(t, "ciao\nmi richiami il mio numero +393331234567 per favore\n", "--config", cfg, "--store", filepath.Join(t.TempDir(), "s.db"), "testdata/flows/llm.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	if calls.Load() == 0 {
		t.Fatal("the LLM was never asked")
	}
	hs := events(t, stdout, "handoff")
	if len(hs) != 1 {
		t.Fatalf("want 1 handoff, got %d\n%s", len(hs), stdout)
	}
	sig, _ := hs[0]["signals"].(map[string]any)
	if hs[0]["reason"] != "wants_human" || sig["source"] != "llm" || sig["wants_human"] != true {
		t.Errorf("handoff = reason %v, signals %v; want wants_human from the llm", hs[0]["reason"], sig)
	}
	if fb := events(t, stdout, "nlu_fallback"); len(fb) != 0 {
		t.Errorf("unexpected fallback: %v", fb)
	}
}

// When the LLM fails, the built-in analyser answers and the turn says so.
func TestChatLiveFallsBackWhenTheLLMFails(t *testing.T) {
	llmSrv, calls := fakeOpenAI(t, http.StatusBadGateway, "")
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hook.Close)
	cfg := writeLLMConfig(t, llmSrv.URL, hook.URL)
	code, stdout, stderr := runLiveLLM(t, "ciao\nvoglio parlare con un operatore\n", "--config", cfg, "--store", filepath.Join(t.TempDir(), "s.db"), "testdata/flows/llm.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	if calls.Load() < 2 {
		t.Errorf("the LLM was asked %d times; a 502 is retried", calls.Load())
	}
	fb := events(t, stdout, "nlu_fallback")
	if len(fb) == 0 || !strings.Contains(fb[0]["reason"].(string), "502") {
		t.Fatalf("want an nlu_fallback event naming the 502, got %v\n%s", fb, stdout)
	}
	hs := events(t, stdout, "handoff")
	if len(hs) != 1 || hs[0]["reason"] != "wants_human" {
		t.Fatalf("the built-in analyser should still hand off \"voglio parlare con un operatore\"; handoffs: %v", hs)
	}
}

// OPENAI_API_KEY goes to OpenAI only: chat --live with a config whose LLM
// is another server and names no key sends it none, says why on stderr,
// and the 401 that follows says no key was sent.
func TestChatLiveKeepsTheOpenAIKeyFromOtherServers(t *testing.T) {
	llmSrv, calls := fakeOpenAI(t, http.StatusOK, `{"intent":"unknown","confidence":0.2,"wants_human":true,"frustrated":false,"sentiment":0,"language":"it"}`)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hook.Close)
	cfg := writeConfig(t, `version: 1
nlu:
  analyser: llm
  llm: {base_url: `+llmSrv.URL+`/v1, model: test-model, timeout: 2s}
connectors:
  webhook: {url: `+hook.URL+`, secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}
routing: {default_team: support}
teams: {support: {name: Support}}
`)
	code, stdout, stderr := runLiveEnv(t, map[string]string{"OPENAI_API_KEY": "sk-test"}, "ciao\n",
		"--phone", "+393331234567", "--config", cfg, "--store", filepath.Join(t.TempDir(), "s.db"), "testdata/flows/llm.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	if calls.Load() == 0 {
		t.Fatal("the LLM was never asked")
	}
	if !strings.Contains(stderr, "OPENAI_API_KEY is set but not sent to the LLM at "+llmSrv.URL) || strings.Contains(stderr, "sk-test") {
		t.Errorf("stderr lacks the notice, or shows the key:\n%s", stderr)
	}
	fb := events(t, stdout, "nlu_fallback")
	if len(fb) == 0 || !strings.Contains(fb[0]["reason"].(string), "http 401 (no API key was sent") {
		t.Errorf("want an nlu_fallback saying no key was sent, got %v", fb)
	}
}
