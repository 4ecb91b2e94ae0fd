package llm

import (
	"net/http"
	"testing"

	"github.com/batonbot/baton/flows"
)

// TestAnswerMissingSignals: an answer that is JSON but leaves out a signal
// the schema requires (a server that does not enforce it) is not read as
// "no": a customer the built-in analyser heard ask for a person, in hybrid
// mode, keeps that request, and the answer is reported invalid.
func TestAnswerMissingSignals(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"wants_human", `{"intent":"refund","confidence":0.9,"frustrated":false,"frustration":0,"sentiment":0,"language":"it"}`, "invalid response: wants_human missing"},
		{"frustrated", `{"intent":"refund","confidence":0.9,"wants_human":false,"frustration":0,"sentiment":0,"language":"it"}`, "invalid response: frustrated missing"},
		{"sentiment", `{"intent":"refund","confidence":0.9,"wants_human":false,"frustrated":false,"frustration":0,"language":"it"}`, "invalid response: sentiment missing"},
		{"all three", `{"intent":"refund","confidence":0.9}`, "invalid response: wants_human, frustrated, sentiment missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeCompletion(w, tc.content, "stop") })
			// Unsure (no intent), but sure the customer wants a person
			// and is upset.
			fb := &fakeFallback{sig: flows.Signals{Intent: flows.UnknownIntent, Confidence: 0.1, WantsHuman: true, Frustrated: true, Frustration: 0.8, Sentiment: -0.8, Language: "it"}}
			a := newTest(t, f, WithFallback(fb), WithHybrid(nil))
			got := analyze(t, a, "scusate, potrebbe guardarci un vostro collega? è la terza volta")
			if f.hits.Load() != 1 {
				t.Fatalf("server hits = %d, want 1", f.hits.Load())
			}
			if got.Source != "builtin" || got.Fallback != tc.want {
				t.Errorf("Source %q, Fallback %q; want the built-in answer with Fallback %q", got.Source, got.Fallback, tc.want)
			}
			if !got.WantsHuman || !got.Frustrated || got.Sentiment != -0.8 {
				t.Errorf("got %+v: the built-in analyser's signals are lost", got)
			}
		})
	}
}
