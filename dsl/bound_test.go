package dsl

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/expr-lang/expr/vm"
)

// boundFlow loads a flow whose state says each of exprs as a hole.
func boundFlow(t *testing.T, vars string, exprs ...string) *flows.Flow {
	t.Helper()
	var b strings.Builder
	b.WriteString("flow: b\nlanguages: [en]\nstart: a\nvars: {" + vars + "}\nstates:\n  a:\n    do:\n")
	for _, e := range exprs {
		b.WriteString("      - say: '{{ " + strings.ReplaceAll(e, "'", "''") + " }}'\n")
	}
	b.WriteString("    end: true\n")
	f, ds := Load("b.yaml", []byte(b.String()))
	if f == nil {
		t.Fatalf("load: %v", ds.Err())
	}
	return f
}

// evalBudget runs e the way the engine does: a VM with its memory budget
// and a fresh ExprBudget in the environment.
func evalBudget(e *flows.Expr, vars map[string]any, d time.Duration) (any, error) {
	env := flows.Builtins()
	for k, v := range vars {
		env[k] = v
	}
	b := new(flows.ExprBudget)
	b.StartFor(d)
	env[flows.EnvBudget] = b
	m := vm.VM{MemoryBudget: flows.MaxExprMemory}
	return m.Run(e.Program, env)
}

func sayExpr(f *flows.Flow, i int) *flows.Expr {
	return f.States["a"].Actions[i].(*flows.Say).Text.ByLang[""].Parts[0].Expr
}

// TestBoundedEvaluation: the builtins that can make text or loop much
// more than their input still work within the budget, and past it stop
// with a clear error before allocating, never taking the process down.
func TestBoundedEvaluation(t *testing.T) {
	kb := strings.Repeat("abcdefghij", 100)        // 1 KB
	big := strings.Repeat("ciao come stai ", 6667) // 100 KB
	words := make([]any, 2000)
	for i := range words {
		words[i] = "w"
	}
	for _, tc := range []struct {
		expr string
		text string
		want any           // the result within budget
		err  string        // or the error past it
		time time.Duration // the time budget, when the case is about it
	}{
		{expr: `repeat("ab", 3)`, want: "ababab"},
		{expr: `repeat(text, 1000000)`, text: kb, err: "repeat() would produce 953.7 MiB of text, past the 4 MiB one evaluation may produce"},
		{expr: `repeat(text, 1000000)`, text: big, err: "repeat() would produce 93.1 GiB of text"},
		{expr: `replace("a-b", "-", "+")`, want: "a+b"},
		{expr: `replace(text, "", repeat("x", 100))`, text: big, err: "replace() would produce 9.6 MiB"},
		{expr: `join(["a", "b"], ", ")`, want: "a, b"},
		{expr: `len(split("a b c", " "))`, want: 3},
		{expr: `upper(text) + "!"`, text: "hey", want: "HEY!"},
		{expr: `reduce(1..40, #acc + #acc, text)`, text: "ab", err: "+ would produce"},
		{expr: `len(map(split(text, ""), map(split(text, ""), #)))`, text: big[:50000], err: "split() would produce"},
		{expr: `count(words, count(words, # == "x") > 0)`, err: "more than 1000000 loop steps in one evaluation"},
		{expr: `count(words, count(words, # == "x") > 0)`, err: "the evaluation took longer than 1ms", time: time.Millisecond},
		{expr: `sum(map([1, 2, 3], # * 2))`, want: 12},
		{expr: `toJSON({"a": 1})`, want: "{\n  \"a\": 1\n}"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			f := boundFlow(t, "words: []", tc.expr)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if tc.time == 0 {
				tc.time = time.Hour // the limits on text and steps, whatever the machine's speed
			}
			got, err := evalBudget(sayExpr(f, 0), map[string]any{"text": tc.text, "words": words}, tc.time)
			runtime.ReadMemStats(&after)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one containing %q", err, tc.err)
				}
				if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
					t.Errorf("allocated %d MiB before stopping", grew>>20)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("= %#v, %v; want %#v", got, err, tc.want)
			}
		})
	}
}

// TestBoundedKeepsTypes: the guards keep what the checker knows, so type
// errors and typed writes are reported as before.
func TestBoundedKeepsTypes(t *testing.T) {
	_, ds := Load("t.yaml", []byte(`flow: t
languages: [en]
start: a
vars: {n: 0, s: ""}
states:
  a:
    set:
      n: "{{ sum(map([1, 2], # * 2)) }}"
      s: "{{ repeat(s, 2) + upper(s) }}"
    say: '{{ repeat(1, 2) }}'
    end: true
`))
	got := ds.Err()
	if got == nil || !strings.Contains(got.Error(), "t.yaml:10:21: error: {{ }}: cannot use int as argument (type string) to call repeat") || len(ds) != 1 {
		t.Fatalf("diagnostics:\n%v", got)
	}
}

// TestBoundedWarnsOnCustomerText: a loop or a text builtin applied to the
// customer's message is reported once per expression, where it is.
func TestBoundedWarnsOnCustomerText(t *testing.T) {
	f, ds := Load("w.yaml", []byte(`flow: w
languages: [en]
start: a
states:
  a:
    say: "{{ repeat(text, 1000000) }} {{ len(map(split(text, ''), map(split(text, ''), #))) }} {{ repeat(lang, 2) }}"
    end: true
`))
	if f == nil {
		t.Fatal(ds.Err())
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
	}
	want := []string{
		"w.yaml:6:14: warning: {{ }}: repeat() applies to the customer's message, so its cost grows with what the customer writes; an evaluation stops with an error past 4 MiB of text, 1000000 loop steps or 100ms, so bound the input first (e.g. text[:200])",
		"w.yaml:6:50: warning: {{ }}: split() applies to the customer's message, so its cost grows with what the customer writes; an evaluation stops with an error past 4 MiB of text, 1000000 loop steps or 100ms, so bound the input first (e.g. text[:200])",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
