package llm

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// analyzeIn is analyze for the conversation conv.
func analyzeIn(t *testing.T, a *Analyzer, conv, text string) flows.Signals {
	t.Helper()
	s, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: text, Lang: "it", ConversationID: conv})
	if err != nil {
		t.Fatalf("Analyze(%q): unexpected error %v", text, err)
	}
	return s
}

// TestBudgetPerConversation: a conversation that spent its calls gets the
// fallback's answer with "conversation budget" and sends nothing, while
// another conversation (in another analyser sharing the budget) is still
// asked; the bucket refills at the budget's rate; a cached answer and an
// analysis with no conversation id cost nothing.
func TestBudgetPerConversation(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) { writeSignals(w, "refund", 0.9) })
	clock := &fakeClock{t: time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)}
	budget := NewBudget(3, time.Hour)
	opts := []Option{WithFallback(unsureFallback()), WithRetries(0), WithClock(clock.now), WithBudget(budget)}
	a := newTest(t, f, opts...)
	other := newTest(t, f, opts...) // another flow's analyser

	for i := range 3 {
		if got := analyzeIn(t, a, "flood", "messaggio "+strconv.Itoa(i)); got.Source != SourceLLM {
			t.Fatalf("call %d of 3: source %s (fallback %q), want the model's", i+1, got.Source, got.Fallback)
		}
	}
	if got := analyzeIn(t, a, "flood", "messaggio 3"); got.Fallback != reasonBudget || got.Source != "builtin" {
		t.Errorf("fourth call: Fallback = %q (source %s), want %q from the fallback", got.Fallback, got.Source, reasonBudget)
	}
	if got := analyzeIn(t, other, "flood", "messaggio 4"); got.Fallback != reasonBudget {
		t.Errorf("the same conversation in another analyser sharing the budget: Fallback = %q, want %q", got.Fallback, reasonBudget)
	}
	if got := analyzeIn(t, a, "flood", "messaggio 0"); got.Source != SourceLLM {
		t.Errorf("a cached answer: source %s (fallback %q), want the model's, free", got.Source, got.Fallback)
	}
	if got := analyzeIn(t, other, "calm", "un rimborso"); got.Source != SourceLLM {
		t.Errorf("another conversation: source %s (fallback %q), want the model's", got.Source, got.Fallback)
	}
	if got := analyzeIn(t, a, "", "senza conversazione"); got.Source != SourceLLM {
		t.Errorf("no conversation id: source %s (fallback %q), want the model's", got.Source, got.Fallback)
	}
	if n := f.hits.Load(); n != 5 {
		t.Errorf("%d requests, want 5 (three of the flood, one of the other conversation, one without an id)", n)
	}

	clock.add(19 * time.Minute) // 0.95 of a call earned
	if got := analyzeIn(t, a, "flood", "messaggio 5"); got.Fallback != reasonBudget {
		t.Errorf("19 minutes later: Fallback = %q, want %q (a call refills every 20 minutes)", got.Fallback, reasonBudget)
	}
	clock.add(time.Minute)
	if got := analyzeIn(t, a, "flood", "messaggio 6"); got.Source != SourceLLM {
		t.Errorf("20 minutes later: source %s (fallback %q), want the model's", got.Source, got.Fallback)
	}
	if got := analyzeIn(t, a, "flood", "messaggio 7"); got.Fallback != reasonBudget {
		t.Errorf("right after: Fallback = %q, want %q", got.Fallback, reasonBudget)
	}
}

// TestBudgetBounded: past MaxBudgetConversations the budget forgets the
// conversations whose bucket is full again; while none is, a new
// conversation is not limited (and not tracked) rather than refused.
func TestBudgetBounded(t *testing.T) {
	b := NewBudget(2, time.Hour)
	t0 := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)
	for i := range MaxBudgetConversations {
		if !b.take("c"+strconv.Itoa(i), t0) {
			t.Fatalf("conversation %d's first call refused", i)
		}
	}
	if !b.take("new", t0) {
		t.Error("a new conversation past the cap was refused; want it let through untracked")
	}
	if len(b.convs) != MaxBudgetConversations {
		t.Errorf("%d conversations tracked, want at most %d", len(b.convs), MaxBudgetConversations)
	}
	// Half an hour on, every bucket has refilled: the sweep empties the map.
	b.take("c0", t0.Add(30*time.Minute))
	b.take("c1", t0.Add(30*time.Minute))
	if !b.take("newer", t0.Add(30*time.Minute)) || len(b.convs) > 3 {
		t.Errorf("after the buckets refilled: %d conversations tracked, want the sweep to have forgotten the full ones", len(b.convs))
	}
	b.take("newer", t0.Add(30*time.Minute))
	if b.take("newer", t0.Add(30*time.Minute)) {
		t.Error("a tracked conversation's third call within the hour was let through; want it refused")
	}
}
