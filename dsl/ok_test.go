package dsl

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/expr-lang/expr"
)

// loadOK loads a flow that must have no errors.
func loadOK(t *testing.T, path string) *flows.Flow {
	t.Helper()
	f, ds := LoadFile(path)
	for _, d := range ds {
		t.Log(d)
	}
	if f == nil || ds.HasErrors() {
		t.Fatalf("LoadFile(%s) failed", path)
	}
	return f
}

// run evaluates a compiled expression with the builtins and vars.
func run(t *testing.T, e *flows.Expr, vars map[string]any) any {
	t.Helper()
	env := flows.Builtins()
	for k, v := range vars {
		env[k] = v
	}
	out, err := expr.Run(e.Program, env)
	if err != nil {
		t.Fatalf("run %q: %v", e.Source, err)
	}
	return out
}

// render renders a template the way the engine does: literals and holes.
func render(t *testing.T, tpl *flows.Template, vars map[string]any) string {
	t.Helper()
	s := ""
	for _, p := range tpl.Parts {
		if p.Expr == nil {
			s += p.Lit
			continue
		}
		v := run(t, p.Expr, vars)
		if str, ok := v.(string); ok {
			s += str
		} else {
			t.Fatalf("hole %q gave %T", p.Expr.Source, v)
		}
	}
	return s
}

func TestShopFlow(t *testing.T) {
	f := loadOK(t, "testdata/ok/shop.yaml")
	if f.Name != "shop-support" || f.Version != "1.2" || f.Start != "welcome" || !reflect.DeepEqual(f.Languages, []string{"it", "en"}) {
		t.Errorf("header = %q %q %q %v", f.Name, f.Version, f.Start, f.Languages)
	}
	wantOrder := []string{"welcome", "ask_order", "lookup", "shipped", "not_found", "faq", "anything_else", "human", "after_hours", "transfer", "csat"}
	if !reflect.DeepEqual(f.Order, wantOrder) {
		t.Errorf("Order = %v, want %v", f.Order, wantOrder)
	}
	if !f.NeedsSignals {
		t.Error("NeedsSignals = false; the frustrated trigger reads signals")
	}
	// Vars: declared with defaults, captures declared with nil, included merged.
	wantVars := map[string]any{"order_id": "", "vip": false, "tries": 0, "note": "", "flag": false, "team": "support", "order": nil, "score": nil}
	if !reflect.DeepEqual(f.Vars, wantVars) {
		t.Errorf("Vars = %#v, want %#v", f.Vars, wantVars)
	}

	// Menu: numbers, ids (given and slugged), folded keys.
	m := f.States["welcome"].Menu
	if m == nil || len(m.Options) != 3 || m.Style != flows.MenuAuto {
		t.Fatalf("welcome menu = %+v", m)
	}
	for i, want := range []struct {
		id   string
		keys []string
		to   string
	}{
		{"order", []string{"stato ordine", "order status", "ordine", "spedizione", "pacco", "order", "shipping", "parcel"}, "ask_order"},
		{"domande_frequenti", []string{"domande frequenti", "faq"}, "faq"},
		{"agent", []string{"operatore", "talk to a person"}, "human"},
	} {
		o := m.Options[i]
		if o.Number != i+1 || o.ID != want.id || !reflect.DeepEqual(o.Keys, want.keys) || o.Do.Goto != want.to {
			t.Errorf("option %d = #%d %q %q → %q; want %q %q → %q", i, o.Number, o.ID, o.Keys, o.Do.Goto, want.id, want.keys, want.to)
		}
	}
	if got := f.States["anything_else"].Menu.Options[0].Keys; !reflect.DeepEqual(got, []string{"si", "yes"}) {
		t.Errorf("accent-folded keys = %q", got)
	}

	// Ask: pattern with a group, validate sees answer.
	a := f.States["ask_order"].Ask
	if a.SaveAs != "order_id" || a.Pattern.FindStringSubmatch("it is A12345!")[1] != "A12345" {
		t.Errorf("ask = %+v", a)
	}
	if got := run(t, a.Validate, map[string]any{"answer": "A12345"}); got != true {
		t.Errorf("validate(A12345) = %v", got)
	}
	if a.Invalid.For("en", "it") == nil {
		t.Error("invalid text missing")
	}

	// Triggers: main file's first, then included, in order.
	var names []string
	for _, r := range f.Triggers {
		names = append(names, r.Name)
	}
	if want := []string{"asks_for_human", "frustrated", "refund", "wants_human_nlu"}; !reflect.DeepEqual(names, want) {
		t.Errorf("triggers = %v, want %v", names, want)
	}
	kw := f.Triggers[0].Keywords
	if !kw.Negatable || !reflect.DeepEqual(kw.Phrases[2], []string{"persona", "vera"}) {
		t.Errorf("keywords = %+v", kw)
	}
	if f.Triggers[0].When != nil || !f.Triggers[1].When.Signals || f.Triggers[1].NeedsSignals() != true {
		t.Error("signal flags on triggers are wrong")
	}
	if r := f.States["faq"].Routes[1]; r.Keywords.Negatable || len(r.Do.Actions) != 2 {
		t.Errorf("faq route = %+v", r)
	}
	if f.States["faq"].Routes[0].Intent != "order_status" {
		t.Error("intent route lost")
	}

	// Actions in written order; set keeps types; http defaults and body.
	lookup := f.States["lookup"]
	set := lookup.Actions[0].(*flows.Set)
	vars := map[string]any{"tries": 2, "order_id": "A1"}
	if got := run(t, set.Assign[0].Value, vars); got != 3 {
		t.Errorf("tries + 1 = %#v", got)
	}
	if got := run(t, set.Assign[1].Value, vars); got != "try 2 of 3" {
		t.Errorf("note = %#v", got)
	}
	if got := run(t, set.Assign[2].Value, vars); got != true {
		t.Errorf("flag = %#v", got)
	}
	h := lookup.Actions[1].(*flows.HTTP)
	if h.Method != "POST" || h.Timeout != 5*time.Second || h.SaveAs != "order" || len(h.Sandbox) != 2 {
		t.Errorf("http = %+v", h)
	}
	if got := render(t, h.URL, vars); got != "https://shop.example.com/api/orders/A1" {
		t.Errorf("url = %q", got)
	}
	if got, _ := h.Headers["Authorization"].Static(); got != "Bearer ${SHOP_API_TOKEN}" {
		t.Errorf("header = %q", got)
	}
	body := render(t, h.Body, map[string]any{"tries": 2, "order_id": `A"1`})
	if want := `{"order":"A\"1","n":2,"label":"order A\"1","fixed":[1,true,null,"x"]}`; body != want {
		t.Errorf("body = %s, want %s", body, want)
	}
	if c := h.Sandbox[0]; c.Status != 200 || !reflect.DeepEqual(c.Body, map[string]any{"status": "shipped", "eta": "2026-03-05"}) {
		t.Errorf("canned = %+v", c)
	}
	if h.Sandbox[1].When != nil || h.Sandbox[1].Status != 404 {
		t.Errorf("canned 2 = %+v", h.Sandbox[1])
	}
	if len(lookup.Next) != 3 || lookup.Next[2].When != nil || lookup.Next[2].Do.Goto != "human" {
		t.Errorf("next = %+v", lookup.Next)
	}

	// Handoff with templates and return; end reasons; NoTriggers.
	ho := f.States["transfer"].Actions[0].(*flows.HandoffAction)
	if ho.Return != "csat" || render(t, ho.Priority, map[string]any{"vip": true}) != "high" || len(ho.Tags) != 2 {
		t.Errorf("handoff = %+v", ho)
	}
	if !f.States["csat"].NoTriggers || f.States["welcome"].NoTriggers {
		t.Error("triggers: false not honoured")
	}
	if end := f.States["csat"].Next[0].Do.Actions[1].(*flows.End); end.Reason != "csat_done" {
		t.Errorf("end = %+v", end)
	}

	// Ladder and timeouts (sorted by After).
	if len(f.NoMatch.Steps) != 3 || f.NoMatch.Steps[2].Goto != "human" {
		t.Errorf("no_match = %+v", f.NoMatch)
	}
	if f.Timeouts[0].After != 10*time.Minute || f.Timeouts[1].After != 24*time.Hour {
		t.Errorf("timeouts not sorted: %v, %v", f.Timeouts[0].After, f.Timeouts[1].After)
	}
	// Text by language with templates.
	say := f.States["welcome"].Actions[0].(*flows.Say)
	if got := render(t, say.Text.For("en", "it"), map[string]any{"user": map[string]any{"name": "Ann"}}); got != "Hi Ann! How can I help?" {
		t.Errorf("say = %q", got)
	}
	if f.NLU.Threshold != 0.45 || f.NLU.Intents[0].Name != "order_status" || len(f.NLU.Intents[0].Examples["en"]) != 2 {
		t.Errorf("nlu = %+v", f.NLU)
	}
}

func TestHoursOpen(t *testing.T) {
	f := loadOK(t, "testdata/ok/shop.yaml")
	b := f.Hours["support"]
	rome, _ := time.LoadLocation("Europe/Rome")
	for _, tt := range []struct {
		at   string
		open bool
	}{
		{"2026-03-02 09:00", true},  // Monday
		{"2026-03-02 08:59", false}, // before opening
		{"2026-03-02 13:30", false}, // lunch
		{"2026-03-02 17:59", true},
		{"2026-03-02 18:00", false},
		{"2026-03-07 11:00", true},  // Saturday
		{"2026-03-07 12:00", false}, // Saturday afternoon
		{"2026-03-08 11:00", false}, // Sunday
		{"2026-12-25 10:00", false}, // holiday (a Friday)
	} {
		at, _ := time.ParseInLocation("2006-01-02 15:04", tt.at, rome)
		if got := b.Open(at); got != tt.open {
			t.Errorf("Open(%s) = %v, want %v", tt.at, got, tt.open)
		}
	}
	// In another zone: 08:30 UTC is 09:30 in Rome in March.
	if !b.Open(time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)) {
		t.Error("time zone ignored")
	}
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o644) }

// TestAnalyserSpellings: nlu.analyser, as the deployment config and the
// docs spell it, and nlu.analyzer are the same key, set once.
func TestAnalyserSpellings(t *testing.T) {
	head := "flow: x\nlanguages: [en]\nstart: a\nstates:\n  a: {end: true}\nnlu:\n"
	for _, tc := range []struct{ nlu, want, err string }{
		{"  analyser: llm\n", "llm", ""},
		{"  analyzer: hybrid\n", "hybrid", ""},
		{"  analyser: llm\n  analyzer: llm\n", "", "x.yaml:8:3: error: nlu analyser is set twice: here and at x.yaml:7:3; keep one"},
	} {
		f, ds := Load("x.yaml", []byte(head+tc.nlu))
		if tc.err != "" {
			if f != nil || !strings.Contains(ds.Err().Error(), tc.err) {
				t.Errorf("%q: %v, want %s", tc.nlu, ds.Err(), tc.err)
			}
			continue
		}
		if f == nil || f.NLU.Analyzer != tc.want {
			t.Errorf("%q: analyser %v, %v", tc.nlu, f, ds.Err())
		}
	}
}

// TestKeywordsShapes: a phrase, a list of phrases, or a map from language
// to a phrase or a list of phrases.
func TestKeywordsShapes(t *testing.T) {
	f, ds := Load("k.yaml", []byte(`flow: k
languages: [en, es]
start: s
triggers:
  - {name: a, keywords: agent, goto: s}
  - {name: b, keywords: [agent, "real person"], goto: s}
  - {name: c, keywords: {es: persona, en: [person, human]}, goto: s}
states:
  s: {handoff: {}}
`))
	if f == nil {
		t.Fatal(ds.Err())
	}
	var got [][][]string
	for _, r := range f.Triggers {
		got = append(got, r.Keywords.Phrases)
	}
	want := [][][]string{{{"agent"}}, {{"agent"}, {"real", "person"}}, {{"persona"}, {"person"}, {"human"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("phrases %q, want %q", got, want)
	}
}

// TestURLHolesEncoded: the holes of an HTTP action's URL path and query
// are percent-encoded, not those of its scheme and host; urlencode()
// encodes anywhere.
func TestURLHolesEncoded(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want []bool // Encode, per hole
		warn string
	}{
		{"https://api.example.com/geo?postcode={{ postcode }}&city={{ city }}", []bool{true, true}, ""},
		{"https://api.example.com/orders/{{ postcode }}", []bool{true}, ""},
		{"https://{{ city }}.example.com/orders/{{ postcode }}", []bool{false, true}, ""},
		{"{{ base }}/orders/{{ postcode }}", []bool{false, true}, ""},
		{"${SHOP_URL}{{ base }}?q={{ city }}", []bool{false, true}, ""},
		{"https://api.example.com/?q={{ urlencode(city) }}", []bool{false}, "urlencode() is not needed here"},
	} {
		src := "flow: u\nlanguages: [en]\nstart: a\nvars: {postcode: \"\", city: \"\", base: \"\"}\nstates:\n  a:\n    http: {url: \"" + tc.url + "\"}\n    end: true\n"
		f, ds := Load("u.yaml", []byte(src))
		if f == nil {
			t.Fatalf("%s: %v", tc.url, ds.Err())
		}
		var got []bool
		for _, p := range f.States["a"].Actions[0].(*flows.HTTP).URL.Parts {
			if p.Expr != nil {
				got = append(got, p.Encode)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: encoded %v, want %v", tc.url, got, tc.want)
		}
		warned := len(ds) > 0 && strings.Contains(ds[0].Summary, tc.warn)
		if (tc.warn != "") != (len(ds) > 0) || tc.warn != "" && !warned {
			t.Errorf("%s: diagnostics %v, want %q", tc.url, ds, tc.warn)
		}
	}
	f := boundFlow(t, "", `urlencode("via Roma 1/b & c")`, `urlencode(42)`)
	for i, want := range []string{"via%20Roma%201%2Fb%20%26%20c", "42"} {
		if got, err := evalBudget(sayExpr(f, i), nil, time.Second); got != want || err != nil {
			t.Errorf("urlencode = %q, %v; want %q", got, err, want)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want Kind
	}{
		{"flow: x\nlanguages: [en]\nstart: a\nstates: {a: {end: true}}\n", KindFlow},
		{"states:\n  human: {handoff: {}}\ntriggers: []\n", KindFragment},
		{"flow: ../bot.yaml\nconversations: []\n", KindTest},
		{"connectors: {default: webhook}\nteams: {}\n", KindOther},
		{"flow: [unclosed\n", KindFlow},
		{"flow: ../bot.yaml\nconversations:\n  - steps: [\n", KindTest}, // a test file with a syntax error
		{"flow: ../bot.yaml\nconversation:\n  - steps: []\n", KindTest}, // a mistyped key: reported by the test runner
		{"flow: shop\nstates: {a: {end: true}}\n", KindFlow},
	} {
		if got := Sniff([]byte(tc.src)); got != tc.want {
			t.Errorf("Sniff(%q) = %v, want %v", tc.src, got, tc.want)
		}
	}
}

// TestLoadFragment: an included file alone is checked for its own
// mistakes; the names it uses from the including flows are taken on trust.
func TestLoadFragment(t *testing.T) {
	ds := LoadFragment("testdata/ok/common/escalation.yaml")
	if len(ds) != 0 {
		t.Errorf("a valid included file: %v", ds)
	}
	dir := t.TempDir()
	path := dir + "/part.yaml"
	if err := os.WriteFile(path, []byte("states:\n  human:\n    say: \"{{ order.id }}\"\n    goto: welcome\n    handoff: {priority: hgh, return: csat}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range LoadFragment(path) {
		got = append(got, strings.TrimPrefix(d.String(), dir+"/"))
	}
	want := []string{
		`part.yaml:4:5: error: unknown key "goto" in state "human"; expected one of say, set, http, handoff, end, do, menu, routes, ask, collect, survey, call, next, no_match, triggers`,
		`part.yaml:5:25: error: unknown priority "hgh"; did you mean "high"?`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
