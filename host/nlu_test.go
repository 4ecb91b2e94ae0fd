package host

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/handoff"
)

// fakeOpenAI answers the chat-completions API as OpenAI does: an analysis
// (a json_schema response format) says the customer wants a person, a
// summary (plain text) gets a fixed text. It counts both.
type fakeOpenAI struct {
	*httptest.Server
	mu                  sync.Mutex
	analyses, summaries int
}

const llmSummary = "Anna wants to know where order A12345 is and asked for a person."

func newFakeOpenAI(t *testing.T) *fakeOpenAI {
	f := &fakeOpenAI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-from-env" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`)
			return
		}
		var req struct {
			Model          string          `json:"model"`
			ResponseFormat json.RawMessage `json:"response_format"`
			Messages       []struct{ Content string }
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "test-model" {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		content := llmSummary
		f.mu.Lock()
		if len(req.ResponseFormat) > 0 {
			f.analyses++
			wants := strings.Contains(req.Messages[len(req.Messages)-1].Content, "somebody real")
			content = fmt.Sprintf(`{"intent":"unknown","confidence":0.2,"wants_human":%t,"frustrated":false,"sentiment":0,"language":"en"}`, wants)
		} else {
			f.summaries++
		}
		f.mu.Unlock()
		c, _ := json.Marshal(content)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"test-model",`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":`+string(c)+`},"finish_reason":"stop"}],`+
			`"usage":{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20}}`)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeOpenAI) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.analyses, f.summaries
}

const llmFlow = `flow: llm
languages: [en]
start: welcome
triggers:
  - name: wants_person
    when: wants_human
    goto: human
states:
  welcome:
    say: "Hi! What can I do for you?"
    menu:
      options:
        - {id: faq, label: FAQ, goto: welcome}
  human:
    handoff: {say: "A colleague will answer you here.", reason: asks_for_human}
`

// With nlu.analyser: llm, serve asks the model about each message (in any
// words the customer wants a person) and to summarise each ticket; the API
// key comes from the environment, through the config's ${NAME}: the
// OPENAI_API_KEY also set is not sent to this server, which is not
// OpenAI's.
func TestServeWithTheLLM(t *testing.T) {
	t.Setenv("BATON_TEST_LLM_KEY", "sk-from-env")
	ai := newFakeOpenAI(t)
	wa := whatsapptest.NewServer(t)
	zd := newZendeskFake(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "flow.yaml"), []byte(llmFlow), 0o644); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`nlu: {analyser: llm, llm: {base_url: %q, model: test-model, api_key: "${BATON_TEST_LLM_KEY}"}}
connectors:
  zendesk: {base_url: %q, subdomain: acme, email: bot@acme.example, token: zd-token}
channels:
  whatsapp:
    - {phone_number_id: %q, flow: flow.yaml, access_token: %q, app_secret: %q, verify_token: v, graph_url: %q}
`, ai.URL+"/v1", zd.URL, wa.PhoneNumberID, wa.Token, wa.AppSecret, wa.URL)
	cfg := loadConfig(t, dir, src)
	getenv := func(name string) string {
		if name == "OPENAI_API_KEY" {
			return "sk-openai-not-for-this-server"
		}
		return ""
	}
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), Getenv: getenv, NoWatch: true,
		Host: []Option{WithPoll(10 * time.Millisecond), WithDeliverOptions(handoff.DeliverPollInterval(10 * time.Millisecond))}})
	if err != nil {
		t.Fatal(err)
	}
	e := &e2e{srv: srv, wa: wa, zd: zd, base: serve(t, srv)}
	e.post(t, wa.Notification(whatsapptest.Inbound{From: "393330000001", Name: "Anna", Text: "hello"}))
	e.sent(t, 1)
	e.post(t, wa.Notification(whatsapptest.Inbound{From: "393330000001", Name: "Anna", Text: "could somebody real look at my order A12345?"}))
	waitFor(t, "the ticket", func() bool { return zd.count() == 1 })
	if a, s := ai.counts(); a != 2 || s != 1 {
		t.Errorf("%d analyses and %d summaries, want one analysis per message and one summary", a, s)
	}
	body, _ := json.Marshal(zd.ticket(0))
	if !strings.Contains(string(body), llmSummary) {
		t.Errorf("the ticket lacks the model's summary: %s", body)
	}
}

// nlu.llm.calls_per_conversation_hour bounds what one customer costs: a
// customer who floods the bot gets the model for as many messages as the
// budget holds and the built-in analyser for the rest (each turn's line
// says why), while another customer still gets the model.
func TestServeBoundsTheLLMPerConversation(t *testing.T) {
	t.Setenv("BATON_TEST_LLM_KEY", "sk-from-env")
	ai := newFakeOpenAI(t)
	wa := whatsapptest.NewServer(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "flow.yaml"), []byte(llmFlow), 0o644); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`nlu: {analyser: llm, llm: {base_url: %q, model: test-model, api_key: "${BATON_TEST_LLM_KEY}", calls_per_conversation_hour: 2}}
channels:
  whatsapp:
    - {phone_number_id: %q, flow: flow.yaml, access_token: %q, app_secret: %q, verify_token: v, graph_url: %q}
`, ai.URL+"/v1", wa.PhoneNumberID, wa.Token, wa.AppSecret, wa.URL)
	cfg := loadConfig(t, dir, src)
	var logs lockedLog
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(&logs, slog.LevelInfo, false), Getenv: os.Getenv, NoWatch: true,
		Host: []Option{WithPoll(10 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	e := &e2e{srv: srv, wa: wa, base: serve(t, srv)}
	turns := func(n int) {
		t.Helper()
		waitFor(t, strconv.Itoa(n)+" turns", func() bool { return strings.Count(logs.String(), `"msg":"turn"`) >= n })
	}
	for i, text := range []string{"hello", "what about my order", "it is late", "really late", "still late"} {
		e.post(t, wa.Notification(whatsapptest.Inbound{From: "393330000001", Name: "Anna", Text: text}))
		turns(i + 1)
	}
	e.post(t, wa.Notification(whatsapptest.Inbound{From: "393330000002", Name: "Bruno", Text: "where is my parcel"}))
	turns(6)
	// Anna's first two by the model, her other three by the built-in
	// analyser; Bruno's by the model.
	if a, _ := ai.counts(); a != 3 {
		t.Errorf("%d analyses by the model, want 3: two of Anna's (her budget), one of Bruno's", a)
	}
	if n := strings.Count(logs.String(), `"nlu_fallback":"conversation budget"`); n != 3 {
		t.Errorf("%d turns fell back for the budget, want 3:\n%s", n, logs.String())
	}
}
