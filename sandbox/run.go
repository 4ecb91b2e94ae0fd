package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// Wait advances the clock by d, firing the timers due by then in time order.
func (s *Sandbox) Wait(ctx context.Context, d time.Duration) *Step {
	res := &Step{}
	s.fireUntil(ctx, s.Now().Add(d), res)
	return res
}

// Do runs one input, after firing the timers that fell due meanwhile (the
// real clock moves on its own).
func (s *Sandbox) Do(ctx context.Context, in flows.Input) *Step {
	res := &Step{}
	s.fireUntil(ctx, s.Now(), res)
	s.run(ctx, in, res)
	return res
}

func (s *Sandbox) fireUntil(ctx context.Context, until time.Time, res *Step) {
	for range 1000 {
		key, at, ok := s.nextTimer()
		if !ok || at.After(until) {
			break
		}
		delete(s.timers, key)
		if at.After(s.Now()) {
			s.setNow(at)
		}
		s.run(ctx, flows.Input{Kind: flows.InputTimer, Timer: key, At: at}, res)
	}
	if until.After(s.Now()) {
		s.setNow(until)
	}
}

func (s *Sandbox) nextTimer() (string, time.Time, bool) {
	keys := make([]string, 0, len(s.timers))
	for k := range s.timers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var best string
	var at time.Time
	for _, k := range keys {
		if t := s.timers[k]; best == "" || t.Before(at) {
			best, at = k, t
		}
	}
	return best, at, best != ""
}

// run takes the turn for in, then answers HTTP requests and feeds the
// results back until the conversation waits for the user again.
func (s *Sandbox) run(ctx context.Context, in flows.Input, res *Step) {
	for range flows.MaxHTTPChain {
		if in.At.IsZero() {
			in.At = s.Now()
		}
		id := s.sess.ID
		effs, err := s.turn(ctx, id, in)
		if err != nil {
			s.hostError(res, in, fmt.Sprintf("the engine failed: %v", err), flows.Pos{})
			return
		}
		if next, err := s.store.Load(ctx, id); err == nil {
			s.sess = next
			if next.Handoff != nil {
				h := *next.Handoff
				s.handoff = &h
			}
		}
		if s.AfterTurn != nil {
			s.AfterTurn()
		}
		var req *flows.HTTPRequest
		for _, e := range effs {
			e = NormEffect(e)
			ev := Event{Effect: e, Input: in}
			switch e := e.(type) {
			case flows.Schedule:
				s.timers[e.Key] = e.At
			case flows.Cancel:
				delete(s.timers, e.Key)
			case flows.Reply:
				if len(e.Options) > 0 {
					s.menu = e.Options
				}
			case flows.HTTPRequest:
				if req == nil {
					req = &e
					result, ans, problem, pos := s.answer(e)
					ev.Response = ans
					res.add(s, ev)
					if problem != "" {
						s.hostError(res, in, problem, pos)
					}
					in = flows.Input{Kind: flows.InputHTTP, HTTP: result}
					continue
				}
			}
			res.add(s, ev)
			if s.hd != nil {
				more, problems := s.hd.after(ctx, e)
				for _, m := range more {
					res.add(s, Event{Effect: m, Input: in})
				}
				for _, p := range problems {
					s.hostError(res, in, p, flows.Pos{})
				}
			}
		}
		if req == nil {
			return
		}
	}
	s.hostError(res, in, fmt.Sprintf("the flow kept making HTTP requests (%d in one step); check its http actions for a loop", flows.MaxHTTPChain), flows.Pos{})
}

func (r *Step) add(s *Sandbox, ev Event) {
	r.Events = append(r.Events, ev)
	s.Emit(ev)
}

// Emit shows ev to OnEvent; safe to call from any goroutine.
func (s *Sandbox) Emit(ev Event) {
	s.emitMu.Lock()
	defer s.emitMu.Unlock()
	if s.OnEvent != nil {
		s.OnEvent(ev)
	}
}

func (s *Sandbox) hostError(res *Step, in flows.Input, msg string, pos flows.Pos) {
	res.Problems = append(res.Problems, msg)
	res.add(s, Event{Effect: flows.ErrorEffect{Message: msg, State: s.sess.State, Pos: pos}, Host: true, Input: in})
}

// answer finds the canned response for r: the test file's first, then the
// flow's own sandbox response. Without one it returns a failed result and
// a problem saying where to add one.
func (s *Sandbox) answer(r flows.HTTPRequest) (*flows.HTTPResult, *HTTPAnswer, string, flows.Pos) {
	if s.cfg.Host != nil { // --live: the call is made
		res := s.cfg.Host.Call(context.Background(), s.sess.ID, r)
		return res, &HTTPAnswer{Status: res.Status, Body: decodeBody(res.Body), Error: res.Err, Source: "live"}, "", flows.Pos{}
	}
	for _, c := range s.cfg.Canned {
		if !c.Matches(r) {
			continue
		}
		res := &flows.HTTPResult{ID: r.ID, Status: c.Status, Err: c.Error, Body: c.BodyBytes()}
		return res, &HTTPAnswer{Status: c.Status, Body: c.Body, Error: c.Error, Source: c.Pos.String()}, "", flows.Pos{}
	}
	if r.Canned != nil {
		res := *r.Canned
		res.ID = r.ID
		return &res, &HTTPAnswer{Status: res.Status, Body: decodeBody(res.Body), Error: res.Err, Source: "sandbox"}, "", flows.Pos{}
	}
	pos := s.httpActionPos(r)
	where := "the http action"
	if !pos.IsZero() {
		where += " at " + pos.String()
	}
	msg := fmt.Sprintf("no canned response for %s %s: nothing leaves the machine in the sandbox; add a `sandbox:` response to %s", r.Method, r.URL, where)
	if s.cfg.CannedHint != "" {
		msg += " " + s.cfg.CannedHint
	}
	const failed = "sandbox: no canned response"
	return &flows.HTTPResult{ID: r.ID, Err: failed}, &HTTPAnswer{Error: failed, Source: "none"}, msg, pos
}

// decodeBody shows a response body as JSON when it is, else as text.
func decodeBody(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(b, &v) == nil {
		return v
	}
	return string(b)
}

// httpActionPos finds where the HTTP action behind r is written: among the
// actions of the state that made the request (then anywhere in the flow), an
// action with r's method and no sandbox responses.
func (s *Sandbox) httpActionPos(r flows.HTTPRequest) flows.Pos {
	f := s.cfg.Flow
	state := s.sess.State
	if s.sess.Pending != nil && s.sess.Pending.State != "" {
		state = s.sess.Pending.State
	}
	pick := func(list []*flows.HTTP) flows.Pos {
		var best []*flows.HTTP
		for _, h := range list {
			if len(h.Sandbox) == 0 && strings.EqualFold(orDefault(h.Method, "GET"), r.Method) {
				best = append(best, h)
			}
		}
		if len(best) == 0 {
			return flows.Pos{}
		}
		return best[0].Pos
	}
	if st := f.States[state]; st != nil {
		if p := pick(stateHTTP(st)); !p.IsZero() {
			return p
		}
	}
	var all []*flows.HTTP
	for _, name := range f.Order {
		all = append(all, stateHTTP(f.States[name])...)
	}
	for _, t := range f.Triggers {
		all = append(all, doHTTP(t.Do)...)
	}
	all = append(all, ladderHTTP(f.NoMatch)...)
	for _, t := range f.Timeouts {
		all = append(all, doHTTP(t.Do)...)
	}
	return pick(all)
}

func stateHTTP(st *flows.State) []*flows.HTTP {
	if st == nil {
		return nil
	}
	out := actionsHTTP(st.Actions)
	if st.Menu != nil {
		for _, o := range st.Menu.Options {
			out = append(out, doHTTP(o.Do)...)
		}
	}
	for _, r := range st.Routes {
		out = append(out, doHTTP(r.Do)...)
	}
	for _, r := range st.Next {
		out = append(out, doHTTP(r.Do)...)
	}
	return append(out, ladderHTTP(st.NoMatch)...)
}

func ladderHTTP(l *flows.Ladder) []*flows.HTTP {
	if l == nil {
		return nil
	}
	var out []*flows.HTTP
	for _, d := range l.Steps {
		out = append(out, doHTTP(d)...)
	}
	return out
}

func doHTTP(d flows.Do) []*flows.HTTP { return actionsHTTP(d.Actions) }

func actionsHTTP(as []flows.Action) []*flows.HTTP {
	var out []*flows.HTTP
	for _, a := range as {
		if h, ok := a.(*flows.HTTP); ok {
			out = append(out, h)
		}
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// NormEffect turns pointers to effects into values, so hosts switch on one
// form whatever the engine emits.
func NormEffect(e flows.Effect) flows.Effect {
	switch p := e.(type) {
	case *flows.Reply:
		return *p
	case *flows.StateChange:
		return *p
	case *flows.TriggerFired:
		return *p
	case *flows.NoMatch:
		return *p
	case *flows.VarSet:
		return *p
	case *flows.HTTPRequest:
		return *p
	case *flows.Schedule:
		return *p
	case *flows.Cancel:
		return *p
	case *flows.LifecycleChange:
		return *p
	case *flows.HandoffEffect:
		return *p
	case *flows.Append:
		return *p
	case *flows.HandoffClose:
		return *p
	case *flows.Undelivered:
		return *p
	case *flows.EndEffect:
		return *p
	case *flows.ErrorEffect:
		return *p
	case *flows.NLUFallback:
		return *p
	}
	return e
}

// EventJSON encodes an event as one JSON object: the effect's fields and
// its type (flows.MarshalEffect), plus "response" for an answered HTTP
// request.
func EventJSON(ev Event) ([]byte, error) {
	e := ev.Effect
	if r, ok := e.(flows.HTTPRequest); ok && ev.Response != nil {
		r.Canned = nil // "response" says what answered, readably
		e = r
	}
	b, err := flows.MarshalEffect(e)
	if err != nil {
		return nil, err
	}
	if ev.Response == nil || len(b) < 2 {
		return b, nil
	}
	r, err := json.Marshal(ev.Response)
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), b[:len(b)-1]...)
	out = append(out, `,"response":`...)
	out = append(out, r...)
	return append(out, '}'), nil
}
