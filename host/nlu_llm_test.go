package host

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// nlu.llm.reasoning_effort is sent to a reasoning model; without it the
// adapter's default (low), never to another model.
func TestLLMReasoningEffort(t *testing.T) {
	for _, tt := range []struct {
		model, effort string
		want          any
	}{{"gpt-5-mini", "minimal", "minimal"}, {"gpt-5-mini", "", "low"}, {"test-model", "high", nil}} {
		srv, calls := recordingLLM(t)
		cfg := &handoff.Config{NLU: handoff.ConfigNLU{Analyser: "llm", LLM: handoff.ConfigLLM{BaseURL: srv.URL + "/v1", Model: tt.model, ReasoningEffort: tt.effort}}}
		summarise(t, NewNLU(cfg, nil, true))
		if got := calls(); len(got) != 1 || got[0].body["reasoning_effort"] != tt.want {
			t.Errorf("%s, reasoning_effort %q: requests %v, want one with reasoning_effort %v", tt.model, tt.effort, got, tt.want)
		}
	}
}

// A key found in the environment goes to OpenAI only: a deployment
// pointed at a local or third-party server must not hand that server the
// operator's OpenAI key. Such a server gets the key the config writes
// next to its URL, or none, and the operator is told why.
func TestLLMKeyFromTheEnvironmentStaysWithOpenAI(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(name string) string { return vars[name] }
	}
	for _, tt := range []struct {
		name     string
		apiKey   string
		vars     map[string]string
		wantAuth string
		notice   string // in Notice; "" for none
	}{
		{"OPENAI_API_KEY is not sent elsewhere", "", map[string]string{"OPENAI_API_KEY": "sk-openai"}, "",
			"OPENAI_API_KEY is set but not sent to the LLM at http://127.0.0.1:"},
		{"BATON_LLM_API_KEY is not sent elsewhere", "", map[string]string{"BATON_LLM_API_KEY": "sk-baton"}, "",
			"write api_key: ${BATON_LLM_API_KEY} under nlu.llm"},
		{"the config's key is sent", "sk-local", map[string]string{"OPENAI_API_KEY": "sk-openai"}, "Bearer sk-local", ""},
		{"no key anywhere", "", nil, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := recordingLLM(t)
			cfg := &handoff.Config{NLU: handoff.ConfigNLU{Analyser: "llm", LLM: handoff.ConfigLLM{BaseURL: srv.URL + "/v1", Model: "test-model", APIKey: tt.apiKey}}}
			n := NewNLU(cfg, env(tt.vars), true)
			summarise(t, n)
			if got := calls(); len(got) != 1 || got[0].auth != tt.wantAuth {
				t.Errorf("requests %v, want one with Authorization %q", got, tt.wantAuth)
			}
			notice := n.Notice()
			if tt.notice == "" && notice != "" || !strings.Contains(notice, tt.notice) {
				t.Errorf("Notice = %q, want it to contain %q", notice, tt.notice)
			}
			for _, v := range tt.vars {
				if strings.Contains(notice, v) {
					t.Errorf("Notice %q shows the key", notice)
				}
			}
		})
	}
}

// serve says so in its log when a key in the environment is not sent to
// the configured LLM, without the key.
func TestServeLogsAWithheldKey(t *testing.T) {
	flow, err := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, t.TempDir(), `nlu: {analyser: llm, llm: {base_url: "http://localhost:11434/v1", model: "llama3.1:8b"}}
channels:
  web:
    - flow: `+flow+`
`)
	var logs lockedLog
	getenv := func(name string) string {
		if name == "OPENAI_API_KEY" {
			return "sk-proj-secret"
		}
		return ""
	}
	if _, err := NewServer(cfg, ServerOptions{Logger: NewLogger(&logs, slog.LevelInfo, false), Getenv: getenv, NoWatch: true}); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, `"level":"WARN","msg":"OPENAI_API_KEY is set but not sent to the LLM at http://localhost:11434`) ||
		!strings.Contains(out, "write api_key: ${OPENAI_API_KEY} under nlu.llm") || strings.Contains(out, "sk-proj-secret") {
		t.Errorf("the log lacks the warning, or shows the key:\n%s", out)
	}
}

// A message the LLM could not analyse says why in its turn's log line:
// an operator whose key or model is wrong sees it in serve's log, not
// only in the analytics events.
func TestServeLogsTheLLMFallback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "flow.yaml"), []byte(llmFlow), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, dir, `nlu: {analyser: llm, llm: {base_url: "`+srv.URL+`/v1", model: test-model, api_key: sk-wrong}}
channels:
  web:
    - flow: flow.yaml
`)
	var logs lockedLog
	s, err := NewServer(cfg, ServerOptions{Logger: NewLogger(&logs, slog.LevelInfo, false), NoWatch: true,
		Host: []Option{WithPoll(10 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, s)
	resp, err := http.Post(base+"/api/messages", "application/json", strings.NewReader(`{"text":"hello there"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitFor(t, "the turn's log line", func() bool { return strings.Contains(logs.String(), `"msg":"turn"`) })
	if out := logs.String(); !strings.Contains(out, `"nlu_fallback":"http 401 (check the API key)"`) || strings.Contains(out, "sk-wrong") {
		t.Errorf("the turn's line lacks the fallback's reason, or shows the key:\n%s", out)
	}
}

// serve's LLM client keeps a connection per worker between calls, as its
// channels' and connectors' client does: with net/http's default of two
// idle connections per host, every burst of analyses past two opened new
// connections (a TLS handshake each, to OpenAI) and closed them after.
func TestServeKeepsLLMConnections(t *testing.T) {
	const burst = 8
	var arrived sync.WaitGroup
	arrived.Add(burst)
	var mu sync.Mutex
	opened := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		arrived.Done()
		arrived.Wait() // every call of the burst holds its connection at once
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"c","object":"chat.completion","created":1,"model":"m",`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":"A summary."},"finish_reason":"stop"}]}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			mu.Lock()
			opened++
			mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	flow, err := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, t.TempDir(), `server: {workers: 16}
nlu: {analyser: llm, llm: {base_url: "`+srv.URL+`/v1", model: m}}
channels:
  web:
    - flow: `+flow+`
`)
	s, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, slog.LevelInfo, false), NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Host.nlu.Summarizer(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &flows.Handoff{Reason: "asks_for_human", Transcript: []flows.Message{{From: flows.RoleUser, Text: "a person please"}}}
	for round := range 2 {
		var done sync.WaitGroup
		for range burst {
			done.Add(1)
			go func() {
				defer done.Done()
				if _, err := sum.Summarize(context.Background(), h); err != nil {
					t.Error(err)
				}
			}()
		}
		done.Wait()
		if round == 0 {
			arrived.Add(burst)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if opened != burst {
		t.Errorf("two bursts of %d calls opened %d connections, want %d: the second should reuse the first's", burst, opened, burst)
	}
}

// OpenAI without a key stops serve at startup with what to write or set,
// in the config's words rather than the Go API's.
func TestServeNeedsTheOpenAIKey(t *testing.T) {
	flow, err := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, t.TempDir(), `nlu: {analyser: llm, llm: {base_url: "https://api.openai.com/v1", model: gpt-4o-mini}}
channels:
  web:
    - flow: `+flow+`
`)
	_, err = NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, slog.LevelInfo, false), Getenv: func(string) string { return "" }, NoWatch: true})
	want := "no API key for https://api.openai.com: write api_key: ${OPENAI_API_KEY} under nlu.llm (or the variable that holds it), or set BATON_LLM_API_KEY or OPENAI_API_KEY"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "WithAPIKey") {
		t.Errorf("NewServer error = %v\n want one containing %q", err, want)
	}
}

// A 429 that says when the rate limit resets holds every analyser and
// summariser of the process until then: the next ones send nothing, and
// fall back saying "rate limited".
func TestLLMCooldownIsShared(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}`)
	}))
	t.Cleanup(srv.Close)
	cfg := &handoff.Config{NLU: handoff.ConfigNLU{Analyser: "llm", LLM: handoff.ConfigLLM{BaseURL: srv.URL + "/v1", Model: "test-model"}}}
	n := NewNLU(cfg, nil, true)
	h := &flows.Handoff{Reason: "asks_for_human", Transcript: []flows.Message{{From: flows.RoleUser, Text: "I want a person"}}}
	for i, want := range []string{"http 429", "rate limited", "rate limited"} {
		s, err := n.Summarizer(nil, nil) // a new client each time, as for another flow
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Summarize(context.Background(), h); err == nil || !strings.HasSuffix(err.Error(), ": "+want) {
			t.Errorf("summary %d: error %v, want one ending in %q", i+1, err, want)
		}
	}
	if got := hits.Load(); got != 1 {
		t.Errorf("%d requests, want 1: the cool-down is not shared", got)
	}
}
