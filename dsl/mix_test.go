package dsl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// stateMix is what the states of some flow files hold, per state: the
// share of states with each step and the mean count of rules, holes and
// expressions. It measures the example flows, so the realistic benchmark
// flow can be checked to be shaped like them.
type stateMix struct {
	states                       int
	say, menu, ask, http, set    float64 // share of states with the step
	routes, handoff, end, call   float64
	collect, survey, noMatch     float64
	pattern                      float64 // share of states whose ask has a pattern
	options, routeRules, next    float64 // mean per state
	holes, exprs, langsPerText   float64
	textsPerState, bytesPerState float64
}

// measureMix walks the states of the flow files (top-level states: and the
// states of named sub-flows).
func measureMix(t testing.TB, files []string) stateMix {
	t.Helper()
	var m stateMix
	var texts, langs int
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(src, &doc); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		root := doc.Content[0]
		var stateMaps []*yaml.Node
		for _, p := range pairs(root) {
			switch p.key.Value {
			case "states":
				stateMaps = append(stateMaps, p.val)
			case "subflows":
				for _, sp := range pairs(p.val) {
					for _, q := range pairs(sp.val) {
						if q.key.Value == "states" {
							stateMaps = append(stateMaps, q.val)
						}
					}
				}
			}
		}
		for _, sm := range stateMaps {
			for _, sp := range pairs(sm) {
				m.states++
				st := sp.val
				m.bytesPerState += float64(len(nodeText(st)))
				has := func(k string) *yaml.Node {
					for _, q := range pairs(st) {
						if q.key.Value == k {
							return q.val
						}
					}
					return nil
				}
				count := func(k string) int {
					if n := has(k); n != nil {
						if n.Kind == yaml.SequenceNode {
							return len(n.Content)
						}
						return 1
					}
					return 0
				}
				steps := map[string]*float64{"say": &m.say, "menu": &m.menu, "ask": &m.ask, "http": &m.http, "set": &m.set,
					"routes": &m.routes, "handoff": &m.handoff, "end": &m.end, "call": &m.call, "collect": &m.collect,
					"survey": &m.survey, "no_match": &m.noMatch}
				for k, share := range steps {
					if has(k) != nil {
						*share++
					}
				}
				if a := has("ask"); a != nil && strings.Contains(nodeText(a), "pattern:") {
					m.pattern++
				}
				if mn := has("menu"); mn != nil {
					for _, q := range pairs(mn) {
						if q.key.Value == "options" {
							m.options += float64(len(q.val.Content))
						}
					}
				}
				m.routeRules += float64(count("routes"))
				m.next += float64(count("next"))
				walkScalars(st, func(key string, v *yaml.Node) {
					m.holes += float64(strings.Count(v.Value, "{{"))
					if key == "when" || key == "validate" {
						m.exprs++
					}
				})
				walkMaps(st, func(n *yaml.Node) {
					ps := pairs(n)
					if len(ps) == 0 {
						return
					}
					for _, q := range ps {
						if !langCode.MatchString(q.key.Value) || q.val.Kind != yaml.ScalarNode {
							return
						}
					}
					texts++
					langs += len(ps)
				})
			}
		}
	}
	n := float64(m.states)
	for _, f := range []*float64{&m.say, &m.menu, &m.ask, &m.http, &m.set, &m.routes, &m.handoff, &m.end, &m.call,
		&m.collect, &m.survey, &m.noMatch, &m.pattern, &m.options, &m.routeRules, &m.next, &m.holes, &m.exprs, &m.bytesPerState} {
		*f /= n
	}
	m.textsPerState = float64(texts) / n
	if texts > 0 {
		m.langsPerText = float64(langs) / float64(texts)
	}
	return m
}

func nodeText(n *yaml.Node) string {
	b, _ := yaml.Marshal(n)
	return string(b)
}

// walkScalars calls fn for every scalar value under n with the key it is
// the value of ("" in lists).
func walkScalars(n *yaml.Node, fn func(key string, v *yaml.Node)) {
	var walk func(key string, n *yaml.Node)
	walk = func(key string, n *yaml.Node) {
		switch n.Kind {
		case yaml.ScalarNode:
			fn(key, n)
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i].Value, n.Content[i+1])
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk("", c)
			}
		}
	}
	walk("", n)
}

func walkMaps(n *yaml.Node, fn func(*yaml.Node)) {
	if n.Kind == yaml.MappingNode {
		fn(n)
	}
	for _, c := range n.Content {
		walkMaps(c, fn)
	}
}

func (m stateMix) String() string {
	return fmt.Sprintf("%d states: say %.2f menu %.2f (%.1f options) ask %.2f (pattern %.2f) routes %.2f (%.2f rules) http %.2f set %.2f "+
		"handoff %.2f end %.2f call %.2f collect %.2f survey %.2f no_match %.2f; next rules %.2f, holes %.2f, when/validate %.2f, "+
		"texts %.2f × %.1f languages, %.0f bytes per state",
		m.states, m.say, m.menu, m.options/max(m.menu, 1e-9), m.ask, m.pattern, m.routes, m.routeRules, m.http, m.set,
		m.handoff, m.end, m.call, m.collect, m.survey, m.noMatch, m.next, m.holes, m.exprs, m.textsPerState, m.langsPerText, m.bytesPerState)
}

func exampleFlowFiles(t testing.TB) []string {
	files, err := filepath.Glob("../examples/flows/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	common, _ := filepath.Glob("../examples/flows/common/*.yaml")
	return append(files, common...)
}

// TestRealisticMix checks that the realistic benchmark flow is shaped like
// the example flows: the share of states with each step within 0.1, the
// mean counts within a half (or a third of the examples' figure).
func TestRealisticMix(t *testing.T) {
	want := measureMix(t, exampleFlowFiles(t))
	main, files := scaledFlow(realisticShape, 250, 1000)
	dir := t.TempDir()
	path := filepath.Join(dir, main)
	if err := os.WriteFile(path, files[main], 0o644); err != nil {
		t.Fatal(err)
	}
	got := measureMix(t, []string{path})
	t.Logf("examples:  %v", want)
	t.Logf("realistic: %v", got)
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"say", got.say, want.say, 0.1},
		{"menu", got.menu, want.menu, 0.1},
		{"ask", got.ask, want.ask, 0.1},
		{"ask pattern", got.pattern, want.pattern, 0.1},
		{"routes", got.routes, want.routes, 0.1},
		{"http", got.http, want.http, 0.1},
		{"set", got.set, want.set, 0.1},
		{"handoff", got.handoff, want.handoff, 0.1},
		{"end", got.end, want.end, 0.1},
		{"options per state", got.options, want.options, max(0.5, want.options/3)},
		{"route rules per state", got.routeRules, want.routeRules, max(0.5, want.routeRules/3)},
		{"next rules per state", got.next, want.next, max(0.5, want.next/3)},
		{"holes per state", got.holes, want.holes, max(0.5, want.holes/3)},
		{"when/validate per state", got.exprs, want.exprs, max(0.5, want.exprs/3)},
		{"texts per state", got.textsPerState, want.textsPerState, max(0.5, want.textsPerState/3)},
		{"languages per text", got.langsPerText, want.langsPerText, 0.5},
	} {
		if d := c.got - c.want; d > c.tol || d < -c.tol {
			t.Errorf("%s: %.2f in the realistic flow, %.2f in the examples (more than %.2f apart): update realisticShape", c.name, c.got, c.want, c.tol)
		}
	}
	// A realistic flow is a clean one: no warning to build either.
	if _, ds := Load(main, files[main], readFrom(files)); len(ds) > 0 {
		t.Errorf("the realistic flow has diagnostics: %v", ds)
	}
}
