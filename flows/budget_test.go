package flows

import (
	"strings"
	"testing"
	"time"
)

// TestExprBudgetTimeCountsWork: the time limit stops an evaluation that
// works past it, not one whose goroutine waited for a CPU. A turn on a
// busy machine (a GC pause, a loaded host, the race detector) must not
// take an expression's error path for a concatenation of two names.
func TestExprBudgetTimeCountsWork(t *testing.T) {
	late := func() *ExprBudget {
		b := new(ExprBudget)
		b.StartFor(time.Nanosecond)
		time.Sleep(time.Millisecond) // the deadline has passed, no work done
		return b
	}
	for _, tc := range []struct {
		name string
		work func(b *ExprBudget) error
		err  string
	}{
		{name: "a short text after a stall", work: func(b *ExprBudget) error { return b.Grow("+", 12) }},
		{name: "a few loop steps after a stall", work: func(b *ExprBudget) error {
			for range 63 {
				if err := b.Step(); err != nil {
					return err
				}
			}
			return nil
		}},
		{name: "many loop steps past the deadline", work: func(b *ExprBudget) error {
			for range 64 {
				if err := b.Step(); err != nil {
					return err
				}
			}
			return nil
		}, err: "the evaluation took longer than 1ns"},
		{name: "much text past the deadline", work: func(b *ExprBudget) error {
			for range 64 {
				if err := b.Grow("+", 1<<10); err != nil {
					return err
				}
			}
			return nil
		}, err: "the evaluation took longer than 1ns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.work(late())
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}
