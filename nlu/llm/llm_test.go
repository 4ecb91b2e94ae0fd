package llm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

func analyze(t *testing.T, a *Analyzer, text string) flows.Signals {
	t.Helper()
	s, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: text, Lang: "it", ConversationID: "c1"})
	if err != nil {
		t.Fatalf("Analyze(%q): unexpected error %v", text, err)
	}
	return s
}

// analyzeWithin is analyze, failing the test instead of hanging when
// Analyze has not returned after a minute (its timeouts are far shorter).
func analyzeWithin(t *testing.T, a *Analyzer, text string) flows.Signals {
	t.Helper()
	type result struct {
		s   flows.Signals
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: text, Lang: "it", ConversationID: "c1"})
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("Analyze(%q): unexpected error %v", text, r.err)
		}
		return r.s
	case <-time.After(time.Minute):
		t.Fatalf("Analyze(%q) still waiting after a minute", text)
		return flows.Signals{}
	}
}

func TestAnalyzeWireFormat(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeSignals(w, "track_order", 0.92) })
	a := newTest(t, f, WithFallback(unsureFallback()))
	got := analyze(t, a, "dov'è il mio pacco A12345?")

	want := flows.Signals{
		Intent: "track_order", Confidence: 0.92,
		Ranking:    []flows.IntentScore{{Intent: "track_order", Score: 0.92}},
		Frustrated: true, Frustration: 1, Sentiment: -0.7, Language: "it",
		Entities: map[string][]string{"order": {"A12345"}},
		Source:   "llm",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("signals:\n got %+v\nwant %+v", got, want)
	}

	req := f.request(1)
	if req["model"] != "test-model" {
		t.Errorf("model = %v", req["model"])
	}
	if temp, ok := req["temperature"]; !ok || temp != 0.0 {
		t.Errorf("temperature = %v (present %v), want an explicit 0", temp, ok)
	}
	msgs, _ := req["messages"].([]any)
	if len(msgs) != 2 {
		t.Fatalf("messages = %v, want system and user", msgs)
	}
	sys, user := msgs[0].(map[string]any), msgs[1].(map[string]any)
	if sys["role"] != "system" || user["role"] != "user" {
		t.Errorf("roles = %v, %v", sys["role"], user["role"])
	}
	if user["content"] != "dov'è il mio pacco [order]?" {
		t.Errorf("user content = %q, want the masked text", user["content"])
	}
	if s, _ := sys["content"].(string); !strings.Contains(s, "- track_order") || !strings.Contains(s, "language so far: it") {
		t.Errorf("system prompt lacks the intents or the language hint:\n%s", s)
	}
	rf, _ := req["response_format"].(map[string]any)
	js, _ := rf["json_schema"].(map[string]any)
	if rf["type"] != "json_schema" || js["strict"] != true || js["name"] != "signals" {
		t.Fatalf("response_format = %v, want a strict json_schema", rf)
	}
	schema, _ := js["schema"].(map[string]any)
	props, _ := schema["properties"].(map[string]any)
	intent, _ := props["intent"].(map[string]any)
	if enum := intent["enum"]; !reflect.DeepEqual(enum, []any{"track_order", "refund", "unknown"}) {
		t.Errorf("intent enum = %v", enum)
	}
	required := map[string]bool{}
	for _, r := range schema["required"].([]any) {
		required[r.(string)] = true
	}
	for name := range props {
		if !required[name] {
			t.Errorf("property %q is not required: strict mode needs every one", name)
		}
	}
	if schema["additionalProperties"] != false || len(required) != len(props) || !required["frustration"] {
		t.Errorf("schema is not strict-ready: %v", schema)
	}
	if _, ok := req["tools"]; ok {
		t.Errorf("request has tools; the answer is asked through response_format")
	}
}

func TestTemperature(t *testing.T) {
	for _, tt := range []struct {
		temp    float64
		want    any
		present bool
	}{
		{0, 0.0, true},
		{0.7, 0.7, true},
		{-1, nil, false},
	} {
		f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeSignals(w, "refund", 0.9) })
		a := newTest(t, f, WithTemperature(tt.temp), WithCache(0))
		analyze(t, a, "rimborso")
		got, ok := f.request(1)["temperature"]
		if ok != tt.present || got != tt.want {
			t.Errorf("WithTemperature(%v): temperature = %v (present %v), want %v (present %v)", tt.temp, got, ok, tt.want, tt.present)
		}
	}
	// Reasoning models reject the parameter: by default it is left out,
	// unless set explicitly.
	for _, tt := range []struct {
		model   string
		opts    []Option
		present bool
	}{
		{"gpt-5-mini", nil, false},
		{"o3-mini", nil, false},
		{"gpt-6-luna", nil, false},
		{"gpt-6.1-sol", nil, false},
		{"gpt-oss:20b", nil, true}, // OpenAI's open model on Ollama takes one
		{"gpt-4.1-mini", nil, true},
		{"gpt-5-mini", []Option{WithTemperature(1)}, true},
		{"llama3.1:8b", nil, true},
	} {
		f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeSignals(w, "refund", 0.9) })
		analyze(t, newTest(t, f, append([]Option{WithModel(tt.model)}, tt.opts...)...), "rimborso")
		if _, ok := f.request(1)["temperature"]; ok != tt.present {
			t.Errorf("model %s %d options: temperature present = %v, want %v", tt.model, len(tt.opts), ok, tt.present)
		}
	}
}

func TestUnreachableServer(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {})
	url := f.url()
	f.srv.Close()
	a := newTest(t, newFake(t, nil), WithBaseURL(url), WithFallback(unsureFallback()))
	got := analyze(t, a, "ciao")
	if got.Source != "builtin" || !strings.HasPrefix(got.Fallback, "network error: ") || !strings.Contains(got.Fallback, "refused") {
		t.Errorf("got %+v, want the fallback with a network error", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n%3 == 0 {
			writeError(w, http.StatusBadGateway, "bad gateway", "")
			return
		}
		writeSignals(w, "refund", 0.9)
	})
	a := newTest(t, f, WithFallback(unsureFallback()), WithCache(4))
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			text := "rimborso " + strconv.Itoa(i%8)
			s, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: text})
			if err != nil || (s.Source != "llm" && s.Fallback == "") {
				t.Errorf("Analyze(%q) = %+v, %v", text, s, err)
			}
		})
	}
	wg.Wait()
	if n := a.cache.len(); n > 4 {
		t.Errorf("cache holds %d entries, bound is 4", n)
	}
}

func TestMaskingKeepsPIIOut(t *testing.T) {
	pii := []string{"mario.rossi@example.it", "333 123 4567", "ORD-2024-0001", "#778899", "778899"}
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeSignals(w, "refund", 0.9) })
	a := newTest(t, f, WithFallback(unsureFallback()),
		WithNLUConfig(flows.NLUConfig{Intents: []*flows.Intent{
			{Name: "refund", Examples: map[string][]string{"it": {"rimborso ordine A99999 per mario@example.it"}}},
		}}))
	text := "sono mario.rossi@example.it, tel +39 333 123 4567, voglio il rimborso di ORD-2024-0001 e dell'ordine #778899"
	got := analyze(t, a, text)
	body := f.rawRequest(1)
	for _, p := range append(pii, "A99999", "mario@example.it") {
		if strings.Contains(body, p) {
			t.Errorf("request body contains %q:\n%s", p, body)
		}
	}
	for _, p := range []string{"[email]", "[phone]", "[order]"} {
		if !strings.Contains(body, p) {
			t.Errorf("request body lacks the placeholder %s", p)
		}
	}
	wantEnt := map[string][]string{
		"email": {"mario.rossi@example.it"},
		"phone": {"+39 333 123 4567"},
		"order": {"778899", "ORD-2024-0001"},
	}
	if !reflect.DeepEqual(got.Entities, wantEnt) {
		t.Errorf("entities = %v, want %v (from the unmasked text)", got.Entities, wantEnt)
	}

	// Masking off sends the text as it is.
	f2 := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeSignals(w, "refund", 0.9) })
	analyze(t, newTest(t, f2, WithMasking(false)), text)
	if !strings.Contains(f2.rawRequest(1), "ORD-2024-0001") {
		t.Errorf("WithMasking(false) still masked the text")
	}
}

func TestFallbacks(t *testing.T) {
	tests := []struct {
		name     string
		opts     []Option
		reply    func(n int, w http.ResponseWriter, r *http.Request)
		wantHits int32
		want     string // Signals.Fallback; "" means the model answered
		// soon, when set, bounds the wait: far less than the 30s timeout
		// (a bound for a busy machine, not a timing).
		soon time.Duration
	}{
		{
			name: "502 retried then fallback",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadGateway)
				w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
			},
			wantHits: 3, want: "http 502",
		},
		{
			name: "503 then success",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					writeError(w, http.StatusServiceUnavailable, "overloaded", "server_error")
					return
				}
				writeSignals(w, "refund", 0.8)
			},
			wantHits: 2,
		},
		{
			name: "429 retried then success",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.Header().Set("Retry-After", "0")
					writeError(w, http.StatusTooManyRequests, "Rate limit reached", "rate_limit_exceeded")
					return
				}
				writeSignals(w, "refund", 0.8)
			},
			wantHits: 2,
		},
		{
			name: "429 with Retry-After beyond the timeout gives up at once",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "60")
				writeError(w, http.StatusTooManyRequests, "Rate limit reached", "rate_limit_exceeded")
			},
			wantHits: 1, want: "http 429", soon: 10 * time.Second,
		},
		{
			// A date past what a time.Duration holds used to overflow the
			// backoff's elapsed-time check: it waited out the whole timeout.
			name: "429 with a Retry-After date in year 9999 gives up at once",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")
				writeError(w, http.StatusTooManyRequests, "Rate limit reached", "rate_limit_exceeded")
			},
			wantHits: 1, want: "http 429", soon: 10 * time.Second,
		},
		{
			// A wait of weeks is a wait, not an absent header to retry at once.
			name: "429 with a Retry-After of 10^12 seconds gives up at once",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "1000000000000")
				writeError(w, http.StatusTooManyRequests, "Rate limit reached", "rate_limit_exceeded")
			},
			wantHits: 1, want: "http 429", soon: 10 * time.Second,
		},
		{
			name:     "retries off",
			opts:     []Option{WithRetries(0)},
			reply:    func(n int, w http.ResponseWriter, r *http.Request) { writeError(w, 500, "boom", "server_error") },
			wantHits: 1, want: "http 500",
		},
		{
			name: "401 is not retried",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				writeError(w, 401, "Incorrect API key", "invalid_api_key")
			},
			wantHits: 1, want: "http 401 (check the API key)",
		},
		{
			name: "404 model",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				writeError(w, 404, "The model `test-model` does not exist or you do not have access to it.", "model_not_found")
			},
			wantHits: 1, want: "http 404: The model `test-model` does not exist or you do not have access to it. (check the model name)",
		},
		{
			name: "400 keeps the server's message",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				writeError(w, 400, "response_format is not supported", "")
			},
			wantHits: 1, want: "http 400: response_format is not supported",
		},
		{
			name: "content is not JSON",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				writeCompletion(w, "The customer wants a refund.", "stop")
			},
			wantHits: 1, want: "invalid response: invalid character 'T' looking for beginning of value",
		},
		{
			name: "intent outside the list",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				writeCompletion(w, `{"intent":"cancel_subscription","confidence":0.9,"wants_human":false,"frustrated":false,"sentiment":0,"language":"en"}`, "stop")
			},
			wantHits: 1, want: `invalid response: unknown intent "cancel_subscription"`,
		},
		{
			name: "fields missing",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				writeCompletion(w, `{"wants_human":true}`, "stop")
			},
			wantHits: 1, want: "invalid response: intent or confidence missing",
		},
		{
			name:     "cut short",
			reply:    func(n int, w http.ResponseWriter, r *http.Request) { writeCompletion(w, `{"intent":"ref`, "length") },
			wantHits: 1, want: "invalid response: the answer was cut at max tokens 1024 (finish_reason length): raise max_tokens",
		},
		{
			name: "no choices",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"id":"x","object":"chat.completion","choices":[]}`))
			},
			wantHits: 1, want: "invalid response: no choices",
		},
		{
			name: "body is not a completion",
			reply: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("<html>captive portal</html>"))
			},
			wantHits: 1, want: "invalid response: body is not a chat completion: invalid character '<' looking for beginning of value",
		},
		{
			// The server never answers. On a busy machine the 50ms may
			// run out before the request is out: at most one hit.
			name:     "timeout",
			opts:     []Option{WithTimeout(50 * time.Millisecond)},
			reply:    func(n int, w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			wantHits: 1, want: "timeout",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.reply)
			fb := unsureFallback()
			a := newTest(t, f, append([]Option{WithFallback(fb)}, tt.opts...)...)
			// The analyser must not wait past its timeout, nor for a
			// Retry-After it cannot honour (that ends as "timeout", not
			// the status): a hang is bounded, never timed.
			start := time.Now()
			got := analyzeWithin(t, a, "voglio un rimborso per A12345")
			if took := time.Since(start); tt.soon > 0 && took > tt.soon {
				t.Errorf("gave up after %v, want at once (under %v of the 30s timeout)", took, tt.soon)
			}
			if h := f.hits.Load(); h != tt.wantHits && (tt.want != "timeout" || h > tt.wantHits) {
				t.Errorf("server hits = %d, want %d", h, tt.wantHits)
			}
			if got.Fallback != tt.want {
				t.Errorf("Fallback = %q, want %q", got.Fallback, tt.want)
			}
			wantSource, wantIntent := "llm", "refund"
			if tt.want != "" {
				wantSource, wantIntent = "builtin", flows.UnknownIntent
			}
			if got.Source != wantSource || got.Intent != wantIntent {
				t.Errorf("Source, Intent = %q, %q, want %q, %q", got.Source, got.Intent, wantSource, wantIntent)
			}
			if got.Entities["order"] == nil {
				t.Errorf("entities lost: %v", got.Entities)
			}
		})
	}
}

// TestRetryAfterHonoured: the server's retry-after-ms (or Retry-After) is
// waited for, on a 429 as on an overloaded server's 503, rather than
// asking again after the backoff's milliseconds.
func TestRetryAfterHonoured(t *testing.T) {
	const wait = 150 * time.Millisecond
	for _, tc := range []struct {
		name         string
		status       int
		retryAfter   string // the Retry-After header besides retry-after-ms
		message, typ string
	}{
		{"429", http.StatusTooManyRequests, "1", "Rate limit reached", "rate_limit_exceeded"},
		{"503", http.StatusServiceUnavailable, "", "The engine is currently overloaded, please try again later", "server_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.Header().Set("Retry-After-Ms", "150")
					if tc.retryAfter != "" {
						w.Header().Set("Retry-After", tc.retryAfter)
					}
					writeError(w, tc.status, tc.message, tc.typ)
					return
				}
				writeSignals(w, "refund", 0.8)
			})
			a := newTest(t, f, WithFallback(unsureFallback()))
			got := analyze(t, a, "rimborso")
			if got.Fallback != "" || got.Source != "llm" {
				t.Fatalf("got %+v, want the model's answer after one retry", got)
			}
			f.mu.Lock()
			gap := f.at[1].Sub(f.at[0])
			f.mu.Unlock()
			if gap < wait {
				t.Errorf("retried after %v, want at least the %v of retry-after-ms (the backoff alone is ~1ms)", gap, wait)
			}
		})
	}
}

func TestNoFallback(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeError(w, 500, "boom", "server_error") })
	a := newTest(t, f, WithRetries(0))
	got := analyze(t, a, "chiamatemi al 333 123 4567")
	want := flows.Signals{
		Intent:   flows.UnknownIntent,
		Entities: map[string][]string{"phone": {"333 123 4567"}},
		Source:   SourceNone,
		Fallback: "http 500",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}

	// The model's answer still gets entities from the original text.
	f2 := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeSignals(w, "refund", 0.8) })
	got = analyze(t, newTest(t, f2), "rimborso per A12345")
	if !reflect.DeepEqual(got.Entities, map[string][]string{"order": {"A12345"}}) || got.Source != "llm" {
		t.Errorf("got %+v, want the model's signals with entity A12345", got)
	}
}

func TestFailingFallback(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeError(w, 500, "boom", "server_error") })
	a := newTest(t, f, WithRetries(0), WithFallback(&fakeFallback{err: errors.New("lexicon not loaded")}))
	got := analyze(t, a, "ciao")
	if got.Intent != flows.UnknownIntent || got.Fallback != "http 500; fallback failed: lexicon not loaded" {
		t.Errorf("got %+v", got)
	}
}

func TestCallerCancels(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newTest(t, f).Analyze(ctx, flows.AnalyzeInput{Text: "ciao"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("without a fallback, a cancelled call should return the context's error, got %v", err)
	}
	got, err := newTest(t, f, WithFallback(unsureFallback())).Analyze(ctx, flows.AnalyzeInput{Text: "ciao"})
	if err != nil || got.Fallback != "canceled" || got.Source != "builtin" {
		t.Errorf("with a fallback: got %+v, %v; want the fallback's signals marked canceled", got, err)
	}
}

// The model's graded frustration is kept, within 0 to 1; an answer with
// only the verdict counts it as 1 or 0.
func TestFrustrationScore(t *testing.T) {
	for _, tt := range []struct {
		answer string
		want   float64
	}{
		{`"frustrated":false,"frustration":0.35`, 0.35},
		{`"frustrated":true,"frustration":7`, 1},
		{`"frustrated":false,"frustration":-1`, 0},
		{`"frustrated":true`, 1},
		{`"frustrated":false`, 0},
	} {
		f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
			writeCompletion(w, `{"intent":"refund","confidence":0.9,"wants_human":false,`+tt.answer+`,"sentiment":0,"language":"it"}`, "stop")
		})
		if got := analyze(t, newTest(t, f), "il rimborso?").Frustration; got != tt.want {
			t.Errorf("%s: frustration %v, want %v", tt.answer, got, tt.want)
		}
	}
}

func TestThresholdAndFences(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		writeCompletion(w, "```json\n{\"intent\":\"Refund\",\"confidence\":0.3,\"wants_human\":true,\"frustrated\":false,\"sentiment\":-3,\"language\":\"it-IT\"}\n```", "stop")
	})
	got := analyze(t, newTest(t, f, WithThreshold(0.5)), "forse un rimborso")
	want := flows.Signals{
		Intent: flows.UnknownIntent, Confidence: 0.3,
		Ranking:    []flows.IntentScore{{Intent: "refund", Score: 0.3}},
		WantsHuman: true, Sentiment: -1, Language: "it", Source: "llm",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestCache(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			writeError(w, 400, "try again", "")
			return
		}
		writeSignals(w, "track_order", 0.9)
	})
	fb := unsureFallback()
	a := newTest(t, f, WithFallback(fb))
	ask := func(text, lang string) flows.Signals {
		s, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: text, Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := ask("Dov'è l'ordine A11111?", "it"); s.Fallback == "" {
		t.Fatalf("first call should fail, got %+v", s)
	}
	if s := ask("Dov'è l'ordine A11111?", "it"); s.Source != "llm" { // failures are not cached
		t.Fatalf("second call: %+v", s)
	}
	s := ask("  dov'e   l'ORDINE B22222? ", "it") // same folded, masked text
	if h := f.hits.Load(); h != 2 {
		t.Errorf("server hits = %d, want 2: the third call should come from the cache", h)
	}
	if s.Source != "llm" || s.Intent != "track_order" || !reflect.DeepEqual(s.Entities["order"], []string{"B22222"}) {
		t.Errorf("cached call = %+v, want the cached intent with this message's own order number", s)
	}
	ask("Dov'è l'ordine A11111?", "en") // another language is another entry
	if h := f.hits.Load(); h != 3 {
		t.Errorf("server hits = %d, want 3", h)
	}
	// Callers may modify what they get without touching the cache.
	s.Ranking[0].Intent = "mutated"
	if s2 := ask("dov'è l'ordine a11111?", "it"); s2.Ranking[0].Intent != "track_order" {
		t.Errorf("cache entry was modified through a returned Ranking: %+v", s2)
	}

	// WithCache(0) turns it off.
	f2 := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeSignals(w, "refund", 0.9) })
	a2 := newTest(t, f2, WithCache(0))
	analyze(t, a2, "rimborso")
	analyze(t, a2, "rimborso")
	if h := f2.hits.Load(); h != 2 {
		t.Errorf("WithCache(0): server hits = %d, want 2", h)
	}
}

func TestHybrid(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeSignals(w, "refund", 0.9) })
	confident := &fakeFallback{sig: flows.Signals{Intent: "track_order", Confidence: 0.95, Language: "it"}}
	a := newTest(t, f, WithFallback(confident), WithHybrid(nil))
	got := analyze(t, a, "dov'è il mio ordine A12345")
	if f.hits.Load() != 0 {
		t.Errorf("a confident built-in answer reached the server")
	}
	if got.Source != "builtin" || got.Intent != "track_order" || got.Fallback != "" {
		t.Errorf("got %+v, want the built-in answer as it is", got)
	}

	unsure := unsureFallback()
	a = newTest(t, f, WithFallback(unsure), WithHybrid(nil))
	got = analyze(t, a, "boh, forse rivoglio i soldi")
	if f.hits.Load() != 1 || got.Source != "llm" || got.Intent != "refund" {
		t.Errorf("hits %d, got %+v; an unsure built-in answer should be checked by the model", f.hits.Load(), got)
	}

	// The built-in's sure verdicts stand: asked about an unknown intent,
	// the model (which answers wants_human false) cannot take back a
	// request for a person, or a frustration, the built-in heard.
	sure := &fakeFallback{sig: flows.Signals{Intent: flows.UnknownIntent, WantsHuman: true, Frustrated: true, Frustration: 0.95, Language: "it"}}
	a = newTest(t, f, WithFallback(sure), WithHybrid(nil))
	got = analyze(t, a, "voglio parlare con qualcuno, subito")
	if f.hits.Load() != 2 || got.Source != "llm" || got.Intent != "refund" || !got.WantsHuman || !got.Frustrated || got.Frustration < 0.95 {
		t.Errorf("hits %d, got %+v; want the model's intent with the built-in's request for a person and frustration", f.hits.Load(), got)
	}
	// Without hybrid, the built-in is only the fallback: the model's
	// answer is taken as it is.
	a = newTest(t, f, WithFallback(sure))
	if got = analyze(t, a, "voglio parlare con qualcuno, adesso"); got.Source != "llm" || got.WantsHuman {
		t.Errorf("llm mode: got %+v, want the model's wants_human false", got)
	}

	// A custom test.
	never := func(flows.Signals) bool { return false }
	a = newTest(t, f, WithFallback(unsure), WithHybrid(never))
	if got = analyze(t, a, "altro testo"); got.Source != "builtin" || f.hits.Load() != 3 {
		t.Errorf("WithHybrid(never) asked the model: %+v", got)
	}

	// A failing fallback is unsure.
	a = newTest(t, f, WithFallback(&fakeFallback{err: errors.New("down")}), WithHybrid(nil))
	if got = analyze(t, a, "ancora altro"); got.Source != "llm" {
		t.Errorf("failing fallback: got %+v", got)
	}
}

func TestDefaultUnsure(t *testing.T) {
	tests := []struct {
		s          flows.Signals
		hasIntents bool
		want       bool
	}{
		{flows.Signals{Intent: "refund", Confidence: 0.9}, true, false},
		{flows.Signals{Intent: "refund", Confidence: 0.4}, true, true},
		{flows.Signals{Intent: flows.UnknownIntent, Confidence: 0.9}, true, true},
		{flows.Signals{Intent: flows.UnknownIntent}, false, false}, // no intents to find
		{flows.Signals{Intent: "refund", Confidence: 0.9, Sentiment: -0.3}, true, true},
		{flows.Signals{Intent: "refund", Confidence: 0.9, Sentiment: -0.3, Frustrated: true}, true, false},
		{flows.Signals{Intent: "refund", Confidence: 0.9, Sentiment: -0.9}, true, false},
		{flows.Signals{Intent: "refund", Confidence: 0.9, Sentiment: 0.5}, true, false},
		// A borderline frustration, below the verdict.
		{flows.Signals{Intent: "refund", Confidence: 0.9, Frustration: 0.2}, true, true},
		{flows.Signals{Intent: "refund", Confidence: 0.9, Frustration: 0.1}, true, false},
		{flows.Signals{Intent: "refund", Confidence: 0.9, Frustration: 0.9, Frustrated: true}, true, false},
		{flows.Signals{Intent: "refund", Confidence: 0.9, Frustration: 0.2, WantsHuman: true}, true, false},
	}
	for _, tt := range tests {
		if got := DefaultUnsure(0.5, tt.hasIntents)(tt.s); got != tt.want {
			t.Errorf("DefaultUnsure(0.5, %v)(%+v) = %v, want %v", tt.hasIntents, tt.s, got, tt.want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"openai without key", nil, "no API key for api.openai.com: set BATON_LLM_API_KEY"},
		{"local without model", []Option{WithBaseURL("http://localhost:11434/v1")}, "no model set for http://localhost:11434/v1: pass WithModel"},
		{"bad url", []Option{WithBaseURL("localhost:11434"), WithModel("m")}, "is not an http(s) URL"},
		{"hybrid without fallback", []Option{WithAPIKey("k"), WithHybrid(nil)}, "hybrid mode needs a fallback"},
		{"timeout", []Option{WithAPIKey("k"), WithTimeout(0)}, "timeout 0s must be positive"},
		{"retries", []Option{WithAPIKey("k"), WithRetries(-1)}, "retries -1"},
		{"backoff", []Option{WithAPIKey("k"), WithBackoff(time.Second, time.Millisecond)}, "max at least min"},
		{"cache", []Option{WithAPIKey("k"), WithCache(-1)}, "cache size -1"},
		{"threshold", []Option{WithAPIKey("k"), WithThreshold(1.5)}, "threshold 1.5"},
		{"reserved intent", []Option{WithAPIKey("k"), WithIntents([]string{"Unknown"})}, "reserved"},
	}
	for _, tt := range tests {
		_, err := New(tt.opts...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New error = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
	a, err := New(WithAPIKey("k"))
	if err != nil || a.cfg.model != DefaultModel {
		t.Errorf("New(WithAPIKey) = %v, %v; want OpenAI with %s", a, err, DefaultModel)
	}
	if _, err := New(WithBaseURL("http://localhost:8080/v1"), WithModel("qwen"), nil); err != nil {
		t.Errorf("a local server needs no key: %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		h      map[string]string
		want   time.Duration
		wantOK bool
	}{
		{map[string]string{"Retry-After": "2"}, 2 * time.Second, true},
		{map[string]string{"Retry-After": "0"}, 0, true},
		{map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond, true},
		{map[string]string{"Retry-After-Ms": "250", "Retry-After": "1"}, 250 * time.Millisecond, true},
		{map[string]string{"Retry-After": "Sat, 01 Mar 2025 12:00:07 GMT"}, 7 * time.Second, true},
		{map[string]string{"Retry-After": "Sat, 01 Mar 2025 11:00:00 GMT"}, 0, true},
		{map[string]string{"Retry-After": "soon"}, 0, false},
		{map[string]string{"Retry-After": "-3"}, 0, false},
		{map[string]string{"Retry-After": "1000000"}, maxRetryAfter, true},
		{map[string]string{"Retry-After": "1000000000000"}, maxRetryAfter, true},
		{map[string]string{"Retry-After": "9223372037"}, maxRetryAfter, true},
		{map[string]string{"Retry-After": "1e300"}, maxRetryAfter, true},
		{map[string]string{"Retry-After": "99999999999999999999999"}, maxRetryAfter, true},
		{map[string]string{"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}, maxRetryAfter, true},
		{map[string]string{"Retry-After-Ms": "1e12"}, maxRetryAfter, true},
		{map[string]string{"Retry-After-Ms": "-1", "Retry-After": "2"}, 2 * time.Second, true},
		{map[string]string{"Retry-After": "1e400"}, maxRetryAfter, true},
		{map[string]string{"Retry-After": "NaN"}, 0, false},
		{map[string]string{"Retry-After": "-1e400"}, 0, false},
		{map[string]string{}, 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.h {
			h.Set(k, v)
		}
		got, ok := parseRetryAfter(h, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%v) = %v, %v; want %v, %v", tt.h, got, ok, tt.want, tt.wantOK)
		}
	}
	if maxRetryAfter != 24*time.Hour {
		t.Errorf("maxRetryAfter = %v, want the 24 hours docs say", maxRetryAfter)
	}
}

func TestLRU(t *testing.T) {
	c := newLRU(2)
	c.put("a", flows.Signals{Intent: "a"})
	c.put("b", flows.Signals{Intent: "b"})
	c.get("a") // a is now the most recent
	c.put("c", flows.Signals{Intent: "c"})
	if _, ok := c.get("b"); ok {
		t.Errorf("b should have been evicted")
	}
	for _, k := range []string{"a", "c"} {
		if s, ok := c.get(k); !ok || s.Intent != k {
			t.Errorf("get(%q) = %v, %v", k, s, ok)
		}
	}
	c.put("c", flows.Signals{Intent: "c2"})
	if s, _ := c.get("c"); s.Intent != "c2" || c.len() != 2 {
		t.Errorf("update: got %v, len %d", s, c.len())
	}
}

// TestQuotaExhausted: OpenAI answers 429 with error type
// insufficient_quota when the account has no credit or hit its spend
// limit. Waiting does not help: no retry, and the reason says to check
// the billing, not just "http 429".
func TestQuotaExhausted(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`)
	})
	a := newTest(t, f, WithFallback(unsureFallback()), WithRetries(2))
	got := analyze(t, a, "rimborso")
	if !strings.Contains(got.Fallback, "429") || !strings.Contains(got.Fallback, "billing") {
		t.Errorf("fallback reason = %q, want the 429 and a word on the billing", got.Fallback)
	}
	if n := f.hits.Load(); n != 1 {
		t.Errorf("%d requests, want 1: a quota does not come back by retrying", n)
	}
}

// TestAPIKeyWhitespace: a key read with its line break (a secret written
// with echo, a file) is sent without it. With it, Go refuses the header
// and every analysis fell back without reaching the server.
func TestAPIKeyWhitespace(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeSignals(w, "refund", 0.9) })
	a := newTest(t, f, WithFallback(unsureFallback()), WithAPIKey(" "+testKey+"\r\n"))
	got := analyze(t, a, "rimborso")
	if got.Source != "llm" || got.Fallback != "" || f.hits.Load() != 1 {
		t.Errorf("got %+v after %d requests, want the model's answer", got, f.hits.Load())
	}
	if _, err := New(WithAPIKey("\n")); err == nil || !strings.Contains(err.Error(), "no API key") {
		t.Errorf("a key of only a line break: %v, want the missing key's error", err)
	}
}

// TestRateLimitHeaders: a 429 without Retry-After, whose x-ratelimit-*
// headers say a limit is used up, waits for that limit's reset (or gives
// up at once when it is past the timeout) rather than asking again within
// milliseconds: OpenAI counts failed requests against the limit too.
func TestRateLimitHeaders(t *testing.T) {
	limited := func(h http.Header, requests, resetRequests, tokens, resetTokens string) {
		h.Set("X-Ratelimit-Limit-Requests", "500")
		h.Set("X-Ratelimit-Remaining-Requests", requests)
		h.Set("X-Ratelimit-Reset-Requests", resetRequests)
		h.Set("X-Ratelimit-Limit-Tokens", "200000")
		h.Set("X-Ratelimit-Remaining-Tokens", tokens)
		h.Set("X-Ratelimit-Reset-Tokens", resetTokens)
	}
	t.Run("requests used up, reset past the timeout", func(t *testing.T) {
		f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
			limited(w.Header(), "0", "1m0s", "150000", "10ms")
			writeError(w, http.StatusTooManyRequests, "Rate limit reached for requests", "rate_limit_exceeded")
		})
		a := newTest(t, f, WithFallback(unsureFallback()))
		start := time.Now()
		got := analyzeWithin(t, a, "rimborso")
		if got.Fallback != "http 429" || f.hits.Load() != 1 || time.Since(start) > 10*time.Second {
			t.Errorf("Fallback %q after %d requests in %v, want http 429 after one, at once", got.Fallback, f.hits.Load(), time.Since(start))
		}
	})
	t.Run("tokens fewer than a request counts, reset past the timeout", func(t *testing.T) {
		f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
			limited(w.Header(), "420", "120ms", "300", "6m0s")
			writeError(w, http.StatusTooManyRequests, "Rate limit reached for tokens", "rate_limit_exceeded")
		})
		a := newTest(t, f, WithFallback(unsureFallback()))
		got := analyzeWithin(t, a, "rimborso")
		if got.Fallback != "http 429" || f.hits.Load() != 1 {
			t.Errorf("Fallback %q after %d requests, want http 429 after one", got.Fallback, f.hits.Load())
		}
	})
	t.Run("reset within the timeout is waited for", func(t *testing.T) {
		const wait = 150 * time.Millisecond
		f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				limited(w.Header(), "0", "150ms", "150000", "10ms")
				writeError(w, http.StatusTooManyRequests, "Rate limit reached for requests", "rate_limit_exceeded")
				return
			}
			writeSignals(w, "refund", 0.8)
		})
		a := newTest(t, f, WithFallback(unsureFallback()))
		if got := analyze(t, a, "rimborso"); got.Fallback != "" {
			t.Fatalf("Fallback %q, want the model's answer after one retry", got.Fallback)
		}
		f.mu.Lock()
		gap := f.at[1].Sub(f.at[0])
		f.mu.Unlock()
		if gap < wait {
			t.Errorf("retried after %v, want at least the %v until the requests' limit resets", gap, wait)
		}
	})
}

func TestRateLimitWait(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	for _, tt := range []struct {
		name string
		h    http.Header
		want time.Duration
		ok   bool
	}{
		{"none", h(), 0, false},
		{"requests left", h("X-Ratelimit-Remaining-Requests", "3", "X-Ratelimit-Reset-Requests", "20s"), 0, false},
		{"requests used up", h("X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "20s"), 20 * time.Second, true},
		{"tokens short", h("X-Ratelimit-Remaining-Tokens", "100", "X-Ratelimit-Reset-Tokens", "6m0s"), 6 * time.Minute, true},
		{"tokens enough", h("X-Ratelimit-Remaining-Tokens", "5000", "X-Ratelimit-Reset-Tokens", "6m0s"), 0, false},
		{"both, the longer", h("X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "1s",
			"X-Ratelimit-Remaining-Tokens", "0", "X-Ratelimit-Reset-Tokens", "1m30s"), 90 * time.Second, true},
		{"seconds", h("X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "2.5"), 2500 * time.Millisecond, true},
		{"past a duration's range", h("X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "1e300"), maxRetryAfter, true},
		{"huge duration", h("X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "900000h"), maxRetryAfter, true},
		{"negative", h("X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "-5s"), 0, true},
		{"garbage", h("X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "soon"), 0, false},
		{"unknown remaining (Azure's -1)", h("X-Ratelimit-Remaining-Tokens", "-1", "X-Ratelimit-Reset-Tokens", "0"), 0, false},
	} {
		got, ok := rateLimitWait(tt.h, 1024)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: rateLimitWait = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
