package llm

import (
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
	openai "github.com/sashabaranov/go-openai"
)

// FuzzParseAnswer: whatever a model or a server impersonating one writes
// as its answer, parsing never panics, and what it lets through is what a
// flow may rely on: a known intent (else unknown), a ranking of known
// intents, scores in their ranges, a two-letter language or none; a
// summary is valid text within its bound.
func FuzzParseAnswer(f *testing.F) {
	f.Add(`{"intent":"refund","confidence":0.9,"wants_human":false,"frustrated":true,"frustration":0.7,"sentiment":-0.6,"language":"it"}`, "stop")
	f.Add("```json\n{\"intent\":\"Track_Order\",\"confidence\":2,\"wants_human\":true,\"frustrated\":false,\"sentiment\":-5,\"language\":\"it-IT\"}\n```", "stop")
	f.Fuzz(func(t *testing.T, content, finish string) {
		a, err := New(WithBaseURL("http://127.0.0.1:1/v1"), WithModel("m"), WithIntents([]string{"track_order", "refund"}))
		if err != nil {
			t.Fatal(err)
		}
		resp := openai.ChatCompletionResponse{Choices: []openai.ChatCompletionChoice{{
			Message: openai.ChatCompletionMessage{Role: "assistant", Content: content}, FinishReason: openai.FinishReason(finish)}}}
		if s, err := a.parse(resp); err == nil {
			known := []string{flows.UnknownIntent, "track_order", "refund"}
			if !slices.Contains(known, s.Intent) {
				t.Fatalf("intent %q is not one of the flow's", s.Intent)
			}
			for _, r := range s.Ranking {
				if !slices.Contains(known, r.Intent) || r.Score < 0 || r.Score > 1 {
					t.Fatalf("ranking entry %+v", r)
				}
			}
			if s.Confidence < 0 || s.Confidence > 1 || s.Frustration < 0 || s.Frustration > 1 || s.Sentiment < -1 || s.Sentiment > 1 {
				t.Fatalf("a score out of its range: %+v", s)
			}
			if s.Frustrated && s.Frustration == 0 {
				t.Fatalf("frustrated with a frustration of 0: %+v", s)
			}
			if l := s.Language; l != "" && (len(l) != 2 || l[0] < 'a' || l[0] > 'z' || l[1] < 'a' || l[1] > 'z') {
				t.Fatalf("language %q", l)
			}
		}
		if sum, err := a.parseSummary(resp); err == nil {
			if sum == "" || len(sum) > summaryMaxLen+len("…") {
				t.Fatalf("a summary of %d bytes, want 1 to %d", len(sum), summaryMaxLen+len("…"))
			}
			if utf8.ValidString(content) && !utf8.ValidString(sum) {
				t.Fatalf("a summary cut inside a character: %q", sum)
			}
		}
	})
}
