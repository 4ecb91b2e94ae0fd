package dsl

import (
	"fmt"
	"strings"
	"testing"
)

// TestCallsTooDeep: a chain of sub-flows each calling the next, nine deep,
// is an error at the call too many that names the chain and says what to
// do; eight deep loads.
func TestCallsTooDeep(t *testing.T) {
	chain := func(n int) string {
		var b strings.Builder
		b.WriteString("flow: x\nlanguages: [en]\nstart: s\nstates:\n  s:\n    call: {subflow: s1}\n    next: done\n  done:\n    end: true\nsubflows:\n")
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "  s%d:\n    start: a\n    states:\n      a:\n", i)
			if i < n {
				fmt.Fprintf(&b, "        call: {subflow: s%d}\n        next: b\n      b:\n", i+1)
			}
			b.WriteString("        end: true\n")
		}
		return b.String()
	}
	if _, ds := Load("x.yaml", []byte(chain(8))); ds.HasErrors() {
		t.Fatalf("8 deep: %v", ds.Err())
	}
	_, ds := Load("x.yaml", []byte(chain(9)))
	want := `error: calls nested more than 8 deep: x.yaml → s1 → s2 → s3 → s4 → s5 → s6 → s7 → s8 → s9; call sub-flows one after the other (a caller's next state calls the next sub-flow once the one before ends with end:) rather than one inside another, or merge some of them`
	if !ds.HasErrors() || !strings.Contains(ds.Err().Error(), want) {
		t.Errorf("9 deep: %v\nwant %s", ds.Err(), want)
	}
}
