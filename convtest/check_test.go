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

// TestDiffLinesExpectedFirst: where a line was replaced, the expected one
// ("-") comes before the one got ("+"), as in the one-line diffs.
func TestDiffLinesExpectedFirst(t *testing.T) {
	for _, c := range []struct{ want, got, out string }{
		{"A\nB", "A\nC", "  (- expected, + got)\n    A\n  - B\n  + C"},
		{"A\nB\nC", "X\nY\nC", "  (- expected, + got)\n  - A\n  - B\n  + X\n  + Y\n    C"},
		{"A\nC", "A\nB\nC", "  (- expected, + got)\n    A\n  + B\n    C"},
		{"A\nB\nC", "A\nC", "  (- expected, + got)\n    A\n  - B\n    C"},
	} {
		if got := diffLines(c.want, c.got); got != c.out {
			t.Errorf("diffLines(%q, %q) =\n%s\nwant\n%s", c.want, c.got, got, c.out)
		}
	}
}
