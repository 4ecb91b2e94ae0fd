package llm_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/nlu/llm"
)

// keywordAnalyzer stands in for the built-in analyser.
type keywordAnalyzer struct{}

func (keywordAnalyzer) Analyze(_ context.Context, in flows.AnalyzeInput) (flows.Signals, error) {
	s := flows.Signals{Intent: flows.UnknownIntent, Source: "builtin", Entities: flows.ExtractPII(in.Text)}
	if strings.Contains(flows.Fold(in.Text), "ordine") {
		s.Intent, s.Confidence = "track_order", 0.9
	}
	return s, nil
}

func Example() {
	// A stand-in for an OpenAI-compatible server (OpenAI, Ollama, vLLM...).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println("server saw the order number:", strings.Contains(string(body), "A12345"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"1","object":"chat.completion","model":"llama3.1:8b","choices":[{"index":0,`+
			`"message":{"role":"assistant","content":"{\"intent\":\"refund\",\"confidence\":0.88,\"wants_human\":false,`+
			`\"frustrated\":true,\"sentiment\":-0.6,\"language\":\"it\"}"},"finish_reason":"stop"}]}`)
	}))
	defer srv.Close()

	a, err := llm.New(
		llm.WithBaseURL(srv.URL+"/v1"), // e.g. http://localhost:11434/v1 for Ollama
		llm.WithModel("llama3.1:8b"),
		llm.WithAPIKey(""), // the CLI passes $BATON_LLM_API_KEY or $OPENAI_API_KEY
		llm.WithIntents([]string{"track_order", "refund"}),
		llm.WithTimeout(3*time.Second),
		llm.WithFallback(keywordAnalyzer{}),
		llm.WithHybrid(nil), // ask the model only when the built-in analyser is unsure
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, text := range []string{
		"dov'è il mio ordine A12345?",               // the built-in analyser is sure
		"il pacco A12345 è rotto, rivoglio i soldi", // it is not: the model answers
	} {
		s, _ := a.Analyze(context.Background(), flows.AnalyzeInput{Text: text, Lang: "it"})
		fmt.Printf("%s %s %.2f frustrated=%v entities=%v\n", s.Source, s.Intent, s.Confidence, s.Frustrated, s.Entities)
	}
	// Output:
	// builtin track_order 0.90 frustrated=false entities=map[order:[A12345]]
	// server saw the order number: false
	// llm refund 0.88 frustrated=true entities=map[order:[A12345]]
}
