package dsl

import (
	"fmt"
	"strings"
	"testing"
)

// TestReadBeforeSet: a variable no vars: declares, read where no ask,
// save_as or set: has surely given it a value, renders empty: the loader
// warns at the read. Set on every path before, declared under vars:,
// or read where the analysis cannot tell (a guard, a sub-flow), it is
// silent.
func TestReadBeforeSet(t *testing.T) {
	const head = "flow: x\nlanguages: [en]\nstart: a\ntriggers:\n  - {name: human, keywords: [agent], handoff: {team: t}}\nstates:\n"
	tests := []struct {
		name, states string
		want         []string // warnings about unset variables, in order
	}{
		{"read in a say before the ask", `  a:
    say: "Order {{ order_id }}?"
    ask: {save_as: order_id}
    next: b
  b:
    say: "Got {{ order_id }}."
    end: true
`, []string{`x.yaml:8:20: warning: order_id is read here before anything sets it (no ask:, save_as or set: gives it a value on every path here) and vars: gives it no default, so it is empty (null in an expression); declare it under vars: with a default (order_id: ""), or set it before`}},
		{"read in a when on one branch only", `  a:
    menu:
      options:
        - {id: ask, label: Ask, goto: ask}
        - {id: skip, label: Skip, goto: check}
  ask:
    ask: {save_as: code}
    next: check
  check:
    next:
      - when: code == "x"
        goto: done
      - goto: done
  done:
    end: true
`, []string{`x.yaml:17:15: warning: code is read here before anything sets it`}},
		{"http save_as read before the call", `  a:
    say: "{{ order.status }}"
    http: {url: "https://x.example/o", save_as: order, sandbox: [{status: 200}]}
    next: b
  b:
    say: "{{ order.status }}"
    end: true
`, []string{`x.yaml:8:14: warning: order is read here before anything sets it`}},
		{"set on every path", `  a:
    menu:
      options:
        - {id: one, label: One, goto: one}
        - {id: two, label: Two, goto: two}
  one:
    ask: {save_as: code}
    next: check
  two:
    http: {url: "https://x.example/o", save_as: code, sandbox: [{status: 200}]}
    next: check
  check:
    say: "{{ code }}"
    end: true
`, nil},
		{"set by an option's own action", `  a:
    ask: {save_as: code}
    next: b
  b:
    menu:
      options:
        - {id: one, label: One, goto: c}
  c:
    say: "{{ code }}"
    end: true
`, nil},
		{"declared under vars", `  a:
    say: "{{ order_id }}"
    ask: {save_as: order_id}
    next: a
`, nil},
		{"a loop sets it before the read", `  a:
    ask: {save_as: code}
    next: b
  b:
    say: "{{ code }}"
    menu:
      options:
        - {id: again, label: Again, goto: a}
        - {id: done, label: Done, goto: b}
`, nil},
		{"guarded by ??", `  a:
    say: "{{ code ?? 'none' }}"
    ask: {save_as: code}
    next: a
`, nil},
		{"guarded by a nil check", `  a:
    next:
      - when: code != nil
        goto: b
      - goto: b
  b:
    ask: {save_as: code}
    next: a
`, nil},
		{"a collect's prompt reads a slot before it", `  a:
    collect:
      - {save_as: day, entity: date, prompt: "Which day?"}
      - {save_as: at, entity: time, prompt: "At what time on {{ day }}?"}
    next: b
  b:
    say: "{{ day }} at {{ at }}"
    end: true
`, nil},
		{"a condition that reads it", `  a:
    routes:
      - when: code == "1"
        say: "{{ code }}"
        goto: a
    ask: {save_as: code}
    next: a
`, []string{`x.yaml:9:15: warning: code is read here before anything sets it`}},
		{"after an answer in next", `  a:
    ask: {save_as: code}
    next:
      - when: code == "x"
        say: "{{ code }}"
        goto: a
      - goto: a
`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := head + tc.states
			if tc.name == "declared under vars" {
				src = strings.Replace(src, "states:\n", "vars: {order_id: \"\"}\nstates:\n", 1)
			}
			_, ds := Load("x.yaml", []byte(src))
			var got []string
			for _, d := range ds {
				if strings.Contains(d.Summary, "before anything sets it") {
					got = append(got, d.String())
				}
				if d.Severity == Error {
					t.Fatalf("the flow has errors: %v", ds)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("warnings:\n%s\nwant %d like:\n%s", strings.Join(got, "\n"), len(tc.want), strings.Join(tc.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("warning %d:\n%s\nwant it to start with:\n%s", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestReadBeforeSetLongChain: the analysis settles on a long chain of
// states written in the reverse of the order they run in.
func TestReadBeforeSetLongChain(t *testing.T) {
	for _, askFirst := range []bool{true, false} {
		var b strings.Builder
		b.WriteString("flow: x\nlanguages: [en]\nstart: s0\ntriggers:\n  - {name: human, keywords: [agent], handoff: {team: t}}\nstates:\n")
		b.WriteString("  last:\n    say: \"{{ code }}\"\n    end: true\n")
		for i := 199; i >= 0; i-- {
			fmt.Fprintf(&b, "  s%d:\n    say: step\n    next: %s\n", i, map[bool]string{true: "last", false: fmt.Sprintf("s%d", i+1)}[i == 199])
		}
		src := b.String()
		if askFirst {
			src = strings.Replace(src, "  s0:\n    say: step\n", "  s0:\n    ask: {save_as: code}\n", 1)
		} else {
			src = strings.Replace(src, "  s199:\n    say: step\n", "  s199:\n    ask: {save_as: code}\n", 1)
			src = strings.Replace(src, "  s100:\n    say: step\n", "  s100:\n    say: \"{{ code }}\"\n", 1)
		}
		_, ds := Load("x.yaml", []byte(src))
		n := 0
		for _, d := range ds {
			if strings.Contains(d.Summary, "before anything sets it") {
				n++
			}
			if d.Severity == Error {
				t.Fatalf("errors: %v", ds)
			}
		}
		if want := map[bool]int{true: 0, false: 1}[askFirst]; n != want {
			t.Errorf("ask first %v: %d warnings, want %d: %v", askFirst, n, want, ds)
		}
	}
}
