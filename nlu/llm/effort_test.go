package llm

import (
	"strings"
	"testing"
)

// TestReasoningEffort: OpenAI's reasoning models (gpt-5, gpt-6, the o
// series) reason at "medium" unless told otherwise, often longer than an
// analysis's timeout; every request to one says reasoning_effort, "low"
// unless set, and no request to another model carries it (OpenAI answers
// 400 to it).
func TestReasoningEffort(t *testing.T) {
	tests := []struct {
		name   string
		openai bool
		model  string
		opts   []Option
		want   any // nil: absent
	}{
		{"gpt-5 by default", true, "gpt-5-mini", nil, DefaultReasoningEffort},
		{"gpt-5 set", true, "gpt-5-nano", []Option{WithReasoningEffort("minimal")}, "minimal"},
		{"gpt-6 set", true, "gpt-6-luna", []Option{WithReasoningEffort("none")}, "none"},
		{"o4 behind a proxy", false, "o4-mini", []Option{WithReasoningEffort("medium")}, "medium"},
		{"left to the model", true, "gpt-5.1", []Option{WithReasoningEffort("")}, nil},
		{"no reasoning model", true, "gpt-4o-mini", []Option{WithReasoningEffort("high")}, nil},
		{"local model", false, "llama3.1:8b", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := analyseThenSummarise(t, tt.model, tt.openai, tt.opts...)
			for n, what := range []string{"analysis", "summary"} {
				got, ok := f.request(n + 1)["reasoning_effort"]
				if tt.want == nil && ok {
					t.Errorf("%s: reasoning_effort = %v, want it absent", what, got)
				}
				if tt.want != nil && got != tt.want {
					t.Errorf("%s: reasoning_effort = %v, want %v", what, got, tt.want)
				}
			}
		})
	}
	_, err := New(WithBaseURL("http://localhost:8080/v1"), WithModel("gpt-5-mini"), WithReasoningEffort("fast"))
	if err == nil || !strings.Contains(err.Error(), `reasoning effort "fast" must be one of none, minimal, low, medium, high, xhigh, max`) {
		t.Errorf("WithReasoningEffort(\"fast\"): New error = %v", err)
	}
}
