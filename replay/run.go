package replay

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"time"

	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/entity"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/nlu"
)

// Player replays conversations on one flow. It is safe for concurrent use.
type Player struct {
	flow     *flows.Flow
	eng      *engine.Engine
	analyzer flows.Analyzer
}

// maxTimers bounds the timeouts fired between two inputs.
const maxTimers = 1000

// ReplayExprTime is the wall-clock time an expression may take in a replay
// (flows.MaxExprTime in production, where a customer's text must not hold
// a worker): long enough that the machine's load never changes a turn.
const ReplayExprTime = 10 * time.Second

// NewPlayer returns a player for f, with a as its analyser (nil: f's
// built-in one, see NewAnalyzer).
func NewPlayer(f *flows.Flow, a flows.Analyzer) (*Player, error) {
	if a == nil {
		var err error
		if a, err = NewAnalyzer(f); err != nil {
			return nil, err
		}
	}
	// The recorded clock decides: a busy machine must not (the wall-clock
	// limit of an expression is raised; the step and size limits stay).
	opts := []engine.Option{engine.WithEntities(entity.New()), engine.WithExprTime(ReplayExprTime)}
	if a != nil {
		opts = append(opts, engine.WithAnalyzer(a))
	}
	return &Player{flow: f, eng: engine.New(f, opts...), analyzer: a}, nil
}

// NewAnalyzer returns f's built-in analyser (trained on its intents) with
// a memory of the messages it analysed, or nil when f reads no signal.
// Replays analyse the same messages again and again (both flows, the
// same greetings in many conversations): the memory answers them.
func NewAnalyzer(f *flows.Flow) (flows.Analyzer, error) {
	if !f.NeedsSignals {
		return nil, nil
	}
	a, err := nlu.FromFlow(f.NLU)
	if err != nil {
		return nil, fmt.Errorf("training the NLU of %s: %w", f.Name, err)
	}
	return newMemo(a), nil
}

// sameNLU reports whether two flows train the same built-in NLU (their
// intents' positions in the files aside).
func sameNLU(a, b flows.NLUConfig) bool {
	if a.Threshold != b.Threshold || a.Analyzer != b.Analyzer || len(a.Intents) != len(b.Intents) || !reflect.DeepEqual(a.Lexicon, b.Lexicon) {
		return false
	}
	for i, x := range a.Intents {
		y := b.Intents[i]
		if x.Name != y.Name || !reflect.DeepEqual(x.Examples, y.Examples) {
			return false
		}
	}
	return true
}

// Flow returns the player's flow.
func (p *Player) Flow() *flows.Flow { return p.flow }

// Play replays c and returns what it did.
func (p *Player) Play(ctx context.Context, c *Conversation) *Run { return p.play(ctx, c).out }

// play replays c; the session is where it ended.
func (p *Player) play(ctx context.Context, c *Conversation) *replay {
	r := &replay{p: p, c: c, out: &Run{Steps: make([]Step, len(c.Inputs))}, timers: map[string]time.Time{}}
	if c.Calls != nil {
		r.used = make([]bool, len(c.Calls))
	}
	id := c.Session
	if id == "" {
		id = c.ID
	}
	s := p.eng.NewSession(id, c.Contact, c.Channel, c.Lang)
	vars := maps.Clone(p.flow.Vars)
	if vars == nil {
		vars = map[string]any{}
	}
	maps.Copy(vars, c.Vars)
	s.Vars = vars
	r.s = s
	for i, in := range c.Inputs {
		// The timeouts that fell due while the customer was silent are
		// the previous step's; a wait's are its own.
		if i > 0 && in.Kind != InputWait {
			r.fire(ctx, in.At, i-1)
		}
		r.input(ctx, in, i)
	}
	if n := len(c.Inputs); n > 0 {
		r.fire(ctx, c.End, n-1)
	}
	r.out.settle(KnowAll)
	return r
}

// replay is one conversation being replayed.
type replay struct {
	p      *Player
	c      *Conversation
	s      *flows.Session
	out    *Run
	timers map[string]time.Time
	used   []bool
}

// fire runs the timeouts due by until, in time order, into step i.
func (r *replay) fire(ctx context.Context, until time.Time, i int) {
	for range maxTimers {
		key, at := "", time.Time{}
		for k, t := range r.timers {
			if key == "" || t.Before(at) || t.Equal(at) && k < key {
				key, at = k, t
			}
		}
		if key == "" || at.After(until) {
			return
		}
		delete(r.timers, key)
		r.turn(ctx, flows.Input{Kind: flows.InputTimer, Timer: key, At: at}, i)
	}
	r.problem(i, "more than %d timeouts fired in a row; the flow's timeouts loop", maxTimers)
}

// input runs input i.
func (r *replay) input(ctx context.Context, in Input, i int) {
	fin := flows.Input{At: in.At}
	switch in.Kind {
	case InputUser:
		fin.Kind, fin.Text = flows.InputMessage, in.Text
	case InputButton:
		fin.Kind, fin.Payload = flows.InputMessage, in.ID
	case InputMedia:
		fin.Kind, fin.Media = flows.InputMessage, in.Media
		if in.Media != nil {
			fin.Text = in.Media.Caption
		}
	case InputAgent:
		fin.Kind, fin.Text, fin.Agent = flows.InputAgent, in.Text, "agent"
	case InputTicket:
		up := &flows.TicketUpdate{Status: in.Status, Gone: in.Gone, MergedInto: in.MergedInto, Refused: in.Refused}
		if r.s.Handoff != nil {
			up.Ticket = r.s.Handoff.Ticket
		}
		fin.Kind, fin.Ticket = flows.InputTicket, up
	case InputClose:
		fin.Kind = flows.InputClose
	case InputWait:
		r.fire(ctx, in.At, i)
		return
	default:
		r.problem(i, "unknown input %q", in.Kind)
		return
	}
	r.turn(ctx, fin, i) // Play fired what fell due by in.At first
}

// turn runs in and then the HTTP results it asks for.
func (r *replay) turn(ctx context.Context, in flows.Input, i int) {
	st := &r.out.Steps[i]
	for range flows.MaxHTTPChain {
		ns, effs, err := r.p.eng.Turn(ctx, r.s, in)
		if err != nil {
			r.problem(i, "%v", err)
			return
		}
		r.s = ns
		var req *flows.HTTPRequest
		for _, e := range effs {
			switch e := e.(type) {
			case flows.StateChange:
				st.States = append(st.States, e.To)
			case flows.Reply: // the bot's, and an agent's the customer got
				st.Replies = append(st.Replies, e.Text)
			case flows.NoMatch:
				st.NoMatches++
			case flows.HandoffEffect:
				if e.Handoff != nil && st.Handoff == nil {
					st.Handoff = &Handoff{Team: e.Team, Priority: string(e.Priority), Reason: e.Reason}
				}
			case flows.EndEffect:
				st.End = e.Reason
				if st.End == "" {
					st.End = "ended"
				}
			case flows.Schedule:
				r.timers[e.Key] = e.At
			case flows.Cancel:
				delete(r.timers, e.Key)
			case flows.ErrorEffect:
				r.problem(i, "%s", e.Message)
			case flows.HTTPRequest:
				if req == nil {
					req = &e
				}
			}
		}
		if req == nil {
			return
		}
		in = flows.Input{Kind: flows.InputHTTP, HTTP: r.answer(*req, i), At: in.At}
	}
	r.problem(i, "the flow kept making HTTP requests (%d in one step); check its http actions for a loop", flows.MaxHTTPChain)
}

// answer finds the recorded result of req, else the flow's sandbox one.
func (r *replay) answer(req flows.HTTPRequest, i int) *flows.HTTPResult {
	for k := range r.c.Calls {
		c := &r.c.Calls[k]
		if (!c.Reuse && r.used[k]) || !c.matches(req) {
			continue
		}
		if !c.Reuse {
			r.used[k] = true
		}
		return &flows.HTTPResult{ID: req.ID, Status: c.Status, Body: c.Body, Err: c.Err}
	}
	if req.Canned != nil {
		res := *req.Canned
		res.ID = req.ID
		return &res
	}
	r.problem(i, "no recorded answer and no sandbox: response for %s %s: the call failed in the replay", req.Method, req.URL)
	return &flows.HTTPResult{ID: req.ID, Err: "replay: no recorded answer"}
}

func (r *replay) problem(i int, format string, args ...any) {
	r.out.Errors = append(r.out.Errors, "step "+strconv.Itoa(i+1)+": "+fmt.Sprintf(format, args...))
}
