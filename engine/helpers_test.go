package engine

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"

	"github.com/batonbot/baton/flows"
)

// fb builds flows in Go for tests, compiling expressions the way the dsl
// loader does: against flows.Builtins() and the flow's variables.
type fb struct {
	tb testing.TB
	f  *flows.Flow
}

func newFlow(tb testing.TB, start string, vars map[string]any) *fb {
	if vars == nil {
		vars = map[string]any{}
	}
	return &fb{tb: tb, f: &flows.Flow{Name: "test", Languages: []string{"it", "en"}, Start: start, Vars: vars, States: map[string]*flows.State{}}}
}

func (b *fb) env() map[string]any {
	env := flows.Builtins()
	for k, v := range b.f.Vars {
		if v != nil { // nil-valued variables compile as "any" (undefined)
			env[k] = v
		}
	}
	return env
}

type signalVisitor struct{ found bool }

func (v *signalVisitor) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok && flows.IsSignal(id.Value) {
		v.found = true
	}
}

func (b *fb) expr(src string) *flows.Expr {
	b.tb.Helper()
	prog, err := expr.Compile(src, expr.Env(b.env()), expr.AllowUndefinedVariables())
	if err != nil {
		b.tb.Fatalf("compile %q: %v", src, err)
	}
	v := &signalVisitor{}
	node := prog.Node()
	ast.Walk(&node, v)
	if v.found {
		b.f.NeedsSignals = true
	}
	return &flows.Expr{Source: src, Program: prog, Signals: v.found, Pos: flows.Pos{File: "test.yaml", Line: 1, Col: 1}}
}

var holeRE = regexp.MustCompile(`\{\{(.*?)\}\}`)

func (b *fb) tpl(s string) *flows.Template {
	t := &flows.Template{}
	last := 0
	for _, m := range holeRE.FindAllStringSubmatchIndex(s, -1) {
		if m[0] > last {
			t.Parts = append(t.Parts, flows.TemplatePart{Lit: s[last:m[0]]})
		}
		t.Parts = append(t.Parts, flows.TemplatePart{Expr: b.expr(strings.TrimSpace(s[m[2]:m[3]]))})
		last = m[1]
	}
	if last < len(s) || len(t.Parts) == 0 {
		t.Parts = append(t.Parts, flows.TemplatePart{Lit: s[last:]})
	}
	return t
}

// text is a message in the flow's default language; pairs of lang, text
// give several.
func (b *fb) text(s ...string) *flows.Text {
	t := &flows.Text{ByLang: map[string]*flows.Template{}}
	if len(s) == 1 {
		t.ByLang["it"] = b.tpl(s[0])
		return t
	}
	for i := 0; i+1 < len(s); i += 2 {
		t.ByLang[s[i]] = b.tpl(s[i+1])
	}
	return t
}

func (b *fb) say(s ...string) *flows.Say { return &flows.Say{Text: b.text(s...)} }

func (b *fb) set(name, src string) *flows.Set {
	return &flows.Set{Assign: []flows.Assign{{Var: name, Value: b.expr(src)}}}
}

func (b *fb) state(name string, st *flows.State) *flows.State {
	st.Name = name
	b.f.States[name] = st
	b.f.Order = append(b.f.Order, name)
	return st
}

func kw(phrases ...string) *flows.Keywords {
	k := &flows.Keywords{Negatable: true}
	for _, p := range phrases {
		k.Phrases = append(k.Phrases, flows.Words(flows.Fold(p)))
	}
	return k
}

func (b *fb) menu(opts ...*flows.Option) *flows.Menu {
	for i, o := range opts {
		o.Number = i + 1
	}
	return &flows.Menu{Style: flows.MenuAuto, Options: opts}
}

// opt is an option with labels it/en and synonyms (folded into Keys).
func opt(id, it, en, to string, synonyms ...string) *flows.Option {
	o := &flows.Option{ID: id, Label: flows.Localized{"it": it, "en": en}, Do: flows.Do{Goto: to}}
	for _, s := range append([]string{it, en}, synonyms...) {
		o.Keys = append(o.Keys, flows.Fold(s))
	}
	return o
}

func goTo(to string) []*flows.Rule { return []*flows.Rule{{Do: flows.Do{Goto: to}}} }

var t0 = time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)

// shop is the DSL reference's example flow, built by hand.
func shop(tb testing.TB) *flows.Flow {
	b := newFlow(tb, "welcome", map[string]any{"order_id": "", "vip": false, "order": nil, "csat": nil})
	f := b.f
	f.Hours = map[string]*flows.BusinessHours{}
	f.Triggers = []*flows.Rule{
		{Name: "asks_for_human", Keywords: kw("operatore", "agente", "persona vera", "agent", "human"), Do: flows.Do{Goto: "human"}},
		{Name: "refund", Keywords: kw("rimborso", "refund"), Do: flows.Do{Actions: []flows.Action{&flows.HandoffAction{
			Reason: b.tpl("sensitive_topic"), Team: b.tpl("billing"), Priority: b.tpl("high")}}}},
	}
	f.NoMatch = &flows.Ladder{Steps: []flows.Do{
		{Actions: []flows.Action{b.say("Scusa, non ho capito.")}},
		{Actions: []flows.Action{b.say("Puoi scegliere un numero del menu?")}},
		{Goto: "human"},
	}}
	f.Timeouts = []*flows.Timeout{
		{After: 10 * time.Minute, Do: flows.Do{Actions: []flows.Action{b.say("Ci sei ancora?")}}},
		{After: 24 * time.Hour, Do: flows.Do{Actions: []flows.Action{&flows.End{Reason: "no_reply"}}}},
	}
	b.state("welcome", &flows.State{
		Actions: []flows.Action{b.say("it", "Ciao {{ user.name }}! Come posso aiutarti?", "en", "Hi {{ user.name }}! How can I help?")},
		Menu: b.menu(
			opt("order", "Stato ordine", "Order status", "ask_order", "ordine", "spedizione", "pacco"),
			opt("faq", "Domande frequenti", "FAQ", "faq"),
			opt("agent", "Operatore", "Talk to a person", "human"),
		),
	})
	b.state("ask_order", &flows.State{
		Actions: []flows.Action{b.say("Qual è il numero d'ordine? (es. A12345)")},
		Ask: &flows.Ask{SaveAs: "order_id", Pattern: regexp.MustCompile(`(?i)\b[a-z]\d{5}\b`),
			Invalid: b.text("Il numero ha una lettera e 5 cifre, es. A12345.")},
		Next: goTo("lookup"),
	})
	b.state("lookup", &flows.State{
		Actions: []flows.Action{&flows.HTTP{Method: "GET", URL: b.tpl("https://shop.example.com/api/orders/{{ order_id }}"),
			Headers: map[string]*flows.Template{"Authorization": b.tpl("Bearer ${SHOP_API_TOKEN}")},
			Timeout: 5 * time.Second, SaveAs: "order",
			Sandbox: []*flows.CannedResponse{
				{When: b.expr(`order_id == "A12345"`), Status: 200, Body: map[string]any{"status": "shipped", "eta": "2026-03-05"}},
				{Status: 404},
			}}},
		Next: []*flows.Rule{
			{When: b.expr(`order.ok and order.body.status == "shipped"`), Do: flows.Do{Goto: "shipped"}},
			{When: b.expr(`order.status == 404`), Do: flows.Do{Goto: "not_found"}},
			{Do: flows.Do{Goto: "human"}},
		},
	})
	b.state("shipped", &flows.State{
		Actions: []flows.Action{b.say("Il tuo ordine {{ order_id }} arriva il {{ order.body.eta }}.")},
		Next:    goTo("anything_else"),
	})
	b.state("not_found", &flows.State{Actions: []flows.Action{b.say("Non trovo l'ordine {{ order_id }}.")}, Next: goTo("ask_order")})
	b.state("faq", &flows.State{Actions: []flows.Action{b.say("Ecco le domande frequenti.")}, Next: goTo("anything_else")})
	b.state("anything_else", &flows.State{
		Actions: []flows.Action{b.say("Posso fare altro?")},
		Menu:    b.menu(opt("yes", "Sì", "Yes", "welcome"), opt("no", "No, grazie", "No, thanks", "bye")),
	})
	b.state("bye", &flows.State{Actions: []flows.Action{b.say("Ciao!")}, End: true})
	b.state("human", &flows.State{Next: goTo("transfer")})
	b.state("transfer", &flows.State{Actions: []flows.Action{&flows.HandoffAction{
		Say: b.text("Ti passo a un collega, un attimo."), Team: b.tpl("support"),
		Priority: b.tpl(`{{ vip ? "high" : "normal" }}`), Tags: []*flows.Template{b.tpl("whatsapp"), b.tpl("{{ lang }}")},
		Return: "csat"}}})
	b.state("csat", &flows.State{
		Actions: []flows.Action{b.say("Com'è andata ({{ outcome }})? Da 1 a 5.")},
		Ask:     &flows.Ask{SaveAs: "csat", Validate: b.expr(`answer in ["1","2","3","4","5"]`), Invalid: b.text("Un numero da 1 a 5, per favore.")},
		Next:    goTo("bye"),
	})
	return f
}

// conv drives a conversation turn by turn.
type conv struct {
	tb  testing.TB
	e   *Engine
	s   *flows.Session
	now time.Time
}

func newConv(tb testing.TB, f *flows.Flow, opts ...Option) *conv {
	e := New(f, opts...)
	s := e.NewSession("c1", flows.Contact{ID: "+393331234567", Name: "Anna", Phone: "+393331234567"}, "whatsapp", "it")
	return &conv{tb: tb, e: e, s: s, now: t0}
}

func (c *conv) do(in flows.Input) []flows.Effect {
	c.tb.Helper()
	if in.At.IsZero() {
		c.now = c.now.Add(time.Second)
		in.At = c.now
	}
	ns, effs, err := c.e.Turn(context.Background(), c.s, in)
	if err != nil {
		c.tb.Fatalf("turn %+v: %v", in, err)
	}
	c.s = ns
	return effs
}

func (c *conv) user(text string) []flows.Effect {
	c.tb.Helper()
	return c.do(flows.Input{Kind: flows.InputMessage, Text: text})
}

// replies returns the texts of the bot's and agents' replies.
func replies(effs []flows.Effect) []string {
	var out []string
	for _, e := range effs {
		if r, ok := e.(flows.Reply); ok {
			out = append(out, r.Text)
		}
	}
	return out
}

func find[T flows.Effect](effs []flows.Effect) (T, bool) {
	for _, e := range effs {
		if x, ok := e.(T); ok {
			return x, true
		}
	}
	var zero T
	return zero, false
}

func all[T flows.Effect](effs []flows.Effect) []T {
	var out []T
	for _, e := range effs {
		if x, ok := e.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

func types(effs []flows.Effect) string {
	var s []string
	for _, e := range effs {
		s = append(s, e.Type())
	}
	return strings.Join(s, ",")
}
