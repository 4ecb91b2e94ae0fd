package convtest

import "testing"

func TestSubsetComparesJSONValues(t *testing.T) {
	for _, c := range []struct {
		want, got any
		ok        bool
	}{
		{3, 3.0, true},
		{"3", 3, false},
		{map[string]any{"a": 1}, map[string]any{"a": 1.0, "b": 2}, true},
		{map[string]any{"a": 1, "c": nil}, map[string]any{"a": 1}, true},
		{map[string]any{"a": 2}, map[string]any{"a": 1}, false},
		{[]any{1, 2}, []any{1, 2}, true},
		{[]any{1}, []any{1, 2}, false},
		{map[string]any{"a": 1}, "a", false},
	} {
		if got := subset(normJSON(c.want), normJSON(c.got)); got != c.ok {
			t.Errorf("subset(%v, %v) = %v, want %v", c.want, c.got, got, c.ok)
		}
	}
}
