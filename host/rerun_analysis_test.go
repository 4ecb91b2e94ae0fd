package host

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/store/memory"
)

// A turn run again because the conversation was saved meanwhile (Handle
// reruns it on flows.ErrConflict) keeps its message's analysis: the model
// is asked about the message once. Its answer here is of no use (the
// built-in analyser answers instead, which the LLM's cache does not keep),
// and the rerun asked again: a second paid call, and a second wait for the
// model within the turn's lease.
func TestTurnRerunKeepsTheAnalysis(t *testing.T) {
	st := memory.New()
	const conv = "web:site:v1"
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if calls.Add(1) == 2 { // the second message's analysis: a concurrent save
			s, err := st.Load(r.Context(), conv)
			if err == nil {
				err = st.Save(r.Context(), s, flows.Commit{})
			}
			if err != nil {
				t.Errorf("the concurrent save: %v", err)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"test-model",`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":"I cannot tell."},"finish_reason":"stop"}],`+
			`"usage":{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20}}`)
	}))
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "flow.yaml")
	if err := os.WriteFile(path, []byte(llmFlow), 0o644); err != nil {
		t.Fatal(err)
	}
	n := NewNLU(&handoff.Config{NLU: handoff.ConfigNLU{Analyser: "llm", LLM: handoff.ConfigLLM{BaseURL: srv.URL + "/v1", Model: "test-model", APIKey: "sk-test"}}}, nil, true)
	h, err := New(st, WithNLU(n), WithSandboxHTTP(), WithPoll(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ch := &fakeChannel{}
	if err := h.AddAccount(&Account{Channel: flows.ChannelWeb, Name: "site", Sender: ch}, loadFlow(t, path)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	say := func(id, text string) {
		t.Helper()
		if err := h.Receive(context.Background(), flows.Inbound{ID: id, Channel: flows.ChannelWeb, Account: "site",
			Contact: flows.Contact{ID: "v1"}, Input: flows.Input{Kind: flows.InputMessage, Text: text}}); err != nil {
			t.Fatal(err)
		}
	}
	say("m1", "hello there")
	waitFor(t, "the first reply", func() bool { return len(ch.texts()) >= 1 })
	say("m2", "what are your opening hours")
	waitFor(t, "the second turn's save", func() bool {
		s, err := st.Load(context.Background(), conv)
		return err == nil && s.Rev == 3 // two turns and the concurrent save
	})
	if n := calls.Load(); n != 2 {
		t.Errorf("the model was asked %d times, want 2 (once a message): the rerun asked about the second message again", n)
	}
}
