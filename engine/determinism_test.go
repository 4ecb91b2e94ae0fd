package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/batonbot/baton/flows"
)

// runScript drives the shop flow through every kind of input and returns
// each turn's effects as JSON. With roundTrip the session goes through
// JSON between turns, as a persistent store would keep it.
func runScript(t *testing.T, roundTrip bool) []string {
	t.Helper()
	c := newConv(t, shop(t))
	var out []string
	step := func(in flows.Input) []flows.Effect {
		t.Helper()
		if roundTrip {
			b, err := json.Marshal(c.s)
			if err != nil {
				t.Fatal(err)
			}
			var s flows.Session
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatal(err)
			}
			c.s = &s
		}
		before := c.s.Clone()
		orig := c.s
		effs := c.do(in)
		if !reflect.DeepEqual(before, orig) {
			t.Fatalf("Turn modified its input session on %+v:\nbefore %+v\nafter  %+v", in, before, orig)
		}
		var lines []string
		for _, e := range effs {
			b, err := flows.MarshalEffect(e)
			if err != nil {
				t.Fatalf("effect %T: %v", e, err)
			}
			lines = append(lines, string(b))
		}
		out = append(out, strings.Join(lines, "\n"))
		return effs
	}
	step(flows.Input{Kind: flows.InputMessage, Text: "ciao"})
	step(flows.Input{Kind: flows.InputMessage, Text: "boh"})
	step(flows.Input{Kind: flows.InputMessage, Text: "1"})
	effs := step(flows.Input{Kind: flows.InputMessage, Text: "A12345"})
	req, _ := find[flows.HTTPRequest](effs)
	step(flows.Input{Kind: flows.InputHTTP, HTTP: req.Canned})
	effs = step(flows.Input{Kind: flows.InputMessage, Text: "sì"})
	sc, _ := find[flows.Schedule](effs)
	step(flows.Input{Kind: flows.InputTimer, Timer: sc.Key, At: sc.At})
	step(flows.Input{Kind: flows.InputMessage, Text: "operatore"})
	step(flows.Input{Kind: flows.InputMessage, Text: "ci siete?"})
	step(flows.Input{Kind: flows.InputAgent, Text: "eccomi", Agent: "Marco"})
	step(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Status: flows.TicketSolved}})
	step(flows.Input{Kind: flows.InputMessage, Text: "4"})
	step(flows.Input{Kind: flows.InputMessage, Text: "ciao"})
	return out
}

func TestDeterministicAndPure(t *testing.T) {
	a, b := runScript(t, false), runScript(t, false)
	if !slices.Equal(a, b) {
		t.Fatalf("the same inputs gave different effects:\n%s\n---\n%s", strings.Join(a, "\n\n"), strings.Join(b, "\n\n"))
	}
}

func TestSessionJSONRoundTrip(t *testing.T) {
	a, b := runScript(t, false), runScript(t, true)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("turn %d differs after a JSON round trip:\n%s\n---\n%s", i+1, a[i], b[i])
		}
	}
}

// countingAnalyzer counts its calls and reports a fixed intent.
type countingAnalyzer struct {
	calls  atomic.Int32
	intent string
	fail   error
}

func (a *countingAnalyzer) Analyze(_ context.Context, in flows.AnalyzeInput) (flows.Signals, error) {
	a.calls.Add(1)
	if a.fail != nil {
		return flows.Signals{}, a.fail
	}
	return flows.Signals{Intent: a.intent, Confidence: 0.9, Frustrated: strings.Contains(in.Text, "!!"), Source: "fake", Fallback: ""}, nil
}

func signalFlow(t testing.TB) *flows.Flow {
	f := shop(t)
	b := &fb{tb: t, f: f}
	f.Triggers = append([]*flows.Rule{
		{Name: "frustrated", When: b.expr("frustrated"), Do: flows.Do{Goto: "human"}},
		{Name: "status", Intent: "order_status", Do: flows.Do{Goto: "ask_order"}},
		{Name: "angry", When: b.expr("sentiment < -0.5"), Do: flows.Do{Goto: "human"}},
	}, f.Triggers...)
	return f
}

func TestAnalyzerCalledOnlyWhenNeeded(t *testing.T) {
	tests := []struct {
		name      string
		flow      func(testing.TB) *flows.Flow
		text      string
		calls     int32
		wantState string
	}{
		{"a digit is a direct choice", signalFlow, "2", 0, "anything_else"},
		{"text is analysed once", signalFlow, "boh", 1, "welcome"},
		{"an intent trigger", signalFlow, "dove è il mio pacco?", 1, "ask_order"},
		{"a flow without signals never pays", shop, "boh", 0, "welcome"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &countingAnalyzer{intent: "other"}
			if strings.Contains(tt.text, "pacco") {
				a.intent = "order_status"
			}
			c := newConv(t, tt.flow(t), WithAnalyzer(a))
			c.user("ciao")
			a.calls.Store(0)
			c.user(tt.text)
			if got := a.calls.Load(); got != tt.calls {
				t.Errorf("analyser called %d times, want %d", got, tt.calls)
			}
			if c.s.State != tt.wantState {
				t.Errorf("state %q, want %q", c.s.State, tt.wantState)
			}
			if tt.calls > 0 && (c.s.Signals == nil || c.s.Signals.Source != "fake") {
				t.Errorf("signals not kept: %+v", c.s.Signals)
			}
		})
	}
}

func TestAnalyzerSignalsInHandoff(t *testing.T) {
	a := &countingAnalyzer{intent: "other"}
	c := newConv(t, signalFlow(t), WithAnalyzer(a))
	c.user("ciao")
	effs := c.user("basta!! non funziona niente")
	h, ok := find[flows.HandoffEffect](effs)
	if !ok || h.Reason != "frustrated" || h.Signals == nil || !h.Signals.Frustrated {
		t.Fatalf("handoff %+v (effects %s)", h, types(effs))
	}
}

// TestFrustrationBuiltin: a flow can hand off on the analyser's
// frustration score, below its verdict.
func TestFrustrationBuiltin(t *testing.T) {
	tests := []struct {
		frustration float64
		frustrated  bool // the verdict
		wantHandoff bool
	}{
		{0, false, false},
		{0.29, false, false},
		{0.3, false, true},
		{0.45, true, true},
		// An analyser that only gives a verdict: its score is 1.
		{0, true, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.frustration, tt.frustrated), func(t *testing.T) {
			f := shop(t)
			b := &fb{tb: t, f: f}
			f.Triggers = append([]*flows.Rule{
				{Name: "frustrated", When: b.expr("frustration >= 0.3"), Do: flows.Do{Goto: "human"}},
			}, f.Triggers...)
			a := analyzerFunc(func(_ context.Context, in flows.AnalyzeInput) (flows.Signals, error) {
				if in.Text == "ciao" {
					return flows.Signals{Intent: "greeting"}, nil
				}
				return flows.Signals{Intent: "other", Frustration: tt.frustration, Frustrated: tt.frustrated}, nil
			})
			c := newConv(t, f, WithAnalyzer(a))
			c.user("ciao")
			effs := c.user("mah, vediamo")
			_, got := find[flows.HandoffEffect](effs)
			if got != tt.wantHandoff {
				t.Errorf("frustration %v: handoff %v, want %v (effects %s)", tt.frustration, got, tt.wantHandoff, types(effs))
			}
		})
	}
}

// A session saved before the frustration score existed has a verdict
// without a score: its handoff carries the score 1, so routing rules that
// read `frustration` see it.
func TestStoredVerdictGetsAScore(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	c.s.Signals = &flows.Signals{Intent: "other", Frustrated: true}
	effs := c.user("operatore")
	h, ok := find[flows.HandoffEffect](effs)
	if !ok || h.Signals == nil {
		t.Fatalf("no handoff with signals (effects %s)", types(effs))
	}
	if h.Signals.Frustration != 1 || c.s.Signals.Frustration != 0 {
		t.Errorf("handoff frustration %v (session's %v), want 1 on the handoff, the session's left as saved", h.Signals.Frustration, c.s.Signals.Frustration)
	}
}

func TestAnalyzerFailureAndFallback(t *testing.T) {
	a := &countingAnalyzer{fail: errors.New("boom")}
	c := newConv(t, signalFlow(t), WithAnalyzer(a))
	c.user("ciao")
	effs := c.user("boh")
	if e, ok := find[flows.ErrorEffect](effs); !ok || !strings.Contains(e.Message, "boom") {
		t.Errorf("error %+v", e)
	}
	if _, ok := find[flows.NoMatch](effs); !ok {
		t.Errorf("the message is still handled: %s", types(effs))
	}

	fb := analyzerFunc(func(context.Context, flows.AnalyzeInput) (flows.Signals, error) {
		return flows.Signals{Intent: "unknown", Source: "builtin-fallback", Fallback: "timeout"}, nil
	})
	c = newConv(t, signalFlow(t), WithAnalyzer(fb))
	c.user("ciao")
	effs = c.user("boh")
	if f, ok := find[flows.NLUFallback](effs); !ok || f.Reason != "timeout" || f.Source != "builtin-fallback" {
		t.Errorf("fallback %+v", f)
	}
}

type analyzerFunc func(context.Context, flows.AnalyzeInput) (flows.Signals, error)

func (f analyzerFunc) Analyze(ctx context.Context, in flows.AnalyzeInput) (flows.Signals, error) {
	return f(ctx, in)
}
