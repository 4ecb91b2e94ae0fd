package flows

import (
	"fmt"
	"time"
)

// Limits of one evaluation of a flow's expression. Customer text flows
// into expressions, so without them `repeat(text, 1000000)` or a loop
// nested in a loop over the message's characters would take the process's
// memory or time. An evaluation that goes past one stops with an error:
// the engine reports it and takes the error path (a condition is false,
// a hole renders empty, a variable keeps its value).
const (
	// MaxExprSteps bounds the loop steps (one per element a predicate of
	// map, filter, all, reduce... is evaluated on) of one evaluation.
	MaxExprSteps = 1_000_000
	// MaxExprBytes bounds the text one evaluation produces through
	// repeat, replace, join, split, upper, lower, toJSON, toBase64 and +.
	MaxExprBytes = 4 << 20
	// MaxExprTime bounds the wall-clock time of one evaluation (checked
	// at loop steps and at the text-producing builtins, once the
	// evaluation has done timeWork of either).
	MaxExprTime = 100 * time.Millisecond
	// MaxExprMemory is the expr VM's own budget per evaluation: the
	// elements of the lists, maps and ranges an expression builds.
	MaxExprMemory = 1_000_000
)

// Before the time limit applies, an evaluation has taken timeSteps loop
// steps or produced timeBytes of text. The limit is there to stop work:
// an evaluation that did less than that and still passed its deadline
// was waiting for a CPU (a GC pause, a loaded machine), and failing it
// would send a turn down the error path for the machine's sake. Below
// these amounts an evaluation is bounded by its input (messages are
// capped) and by the other limits.
const (
	timeSteps = 64
	timeBytes = 64 << 10
)

// EnvBudget is the hidden name under which the engine passes an
// evaluation's *ExprBudget to the compiled program (the loader rewrites
// loops and text builtins to charge it).
const EnvBudget = "__budget"

// ExprBudget accounts for one evaluation. The zero value has no deadline;
// Start begins an evaluation. A nil *ExprBudget only applies the
// per-call limits.
type ExprBudget struct {
	deadline time.Time
	limit    time.Duration
	steps    int
	bytes    int
}

// StartFor resets b for a new evaluation that may run for d.
func (b *ExprBudget) StartFor(d time.Duration) {
	*b = ExprBudget{deadline: time.Now().Add(d), limit: d}
}

// Step counts one loop step.
func (b *ExprBudget) Step() error {
	if b == nil {
		return nil
	}
	b.steps++
	if b.steps > MaxExprSteps {
		return fmt.Errorf("more than %d loop steps in one evaluation (a loop over a long text or list, or loops inside loops); bound the input, e.g. text[:200]", MaxExprSteps)
	}
	if b.steps%timeSteps == 0 {
		return b.checkTime()
	}
	return nil
}

// Grow accounts for n bytes of text that fn is about to produce; it
// refuses them, before they are allocated, past MaxExprBytes.
func (b *ExprBudget) Grow(fn string, n int) error {
	used := 0
	if b != nil {
		used = b.bytes
	}
	if n < 0 || n > MaxExprBytes-used {
		return fmt.Errorf("%s would produce %s of text, past the %s one evaluation may produce; bound the input, e.g. text[:200]", fn, byteSize(n, used), byteSize(MaxExprBytes, 0))
	}
	if b == nil {
		return nil
	}
	b.bytes += n
	if b.bytes < timeBytes {
		return nil
	}
	return b.checkTime()
}

func (b *ExprBudget) checkTime() error {
	if !b.deadline.IsZero() && time.Now().After(b.deadline) {
		return fmt.Errorf("the evaluation took longer than %s; simplify the expression or bound its input", b.limit)
	}
	return nil
}

// DescribeExprLimits words the limits of one evaluation for messages:
// "4 MiB of text, 1000000 loop steps or 100ms".
func DescribeExprLimits() string {
	return fmt.Sprintf("%s of text, %d loop steps or %s", humanBytes(MaxExprBytes), MaxExprSteps, MaxExprTime)
}

// byteSize writes n, and what was used before it, for a message.
func byteSize(n, used int) string {
	if n < 0 { // too large to count
		return "more than " + humanBytes(MaxExprBytes)
	}
	s := humanBytes(n)
	if used > 0 {
		s += " (after " + humanBytes(used) + ")"
	}
	return s
}

func humanBytes(n int) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
