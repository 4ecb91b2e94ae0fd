package studio

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// conversation is the sandbox running the studio's steps and what each
// step did, kept for the page.
type conversation struct {
	s  *Studio
	sb *sandbox.Sandbox

	steps []*stepRecord
	cur   *stepRecord

	messages []message
	handoffs []*handoffView
	path     []pathStep
	state    string
}

// stepRecord is one step and everything it caused.
type stepRecord struct {
	In  input
	At  time.Time // the clock when the step began
	Res *sandbox.Step
	// Session and Vars are the conversation after the step.
	Session *flows.Session
	Vars    map[string]any
	Timers  int
	Turns   []*turnRecord
}

// turnRecord is one engine turn of a step (the input's, then an HTTP
// result's, a timer's...) with its trace and events.
type turnRecord struct {
	Trace  *engine.TurnTrace
	Events []sandbox.Event
	// Signals were analysed for the inspector when the turn did not
	// analyse the message (the flow did not need them); Entities alike.
	Signals  *flows.Signals
	Entities []flows.Entity
	// host is set on the record of the sandbox's own problems before any
	// turn ran (no trace).
	host bool
	// moves index the conversation's path steps this turn made.
	moves []int
	// noMatch is set when the turn did not understand the message: an
	// end or handoff that follows is a no-match ladder step's.
	noMatch bool
}

func (s *Studio) newConversation() (*conversation, error) {
	sb, err := sandbox.New(s.sandboxConfig())
	if err != nil {
		return nil, err
	}
	c := &conversation{s: s, sb: sb}
	sb.AfterTurn = func() {
		if c.cur != nil {
			c.cur.Turns = append(c.cur.Turns, &turnRecord{})
		}
	}
	sb.OnEvent = c.event
	return c, nil
}

// apply takes one step and records it.
func (c *conversation) apply(ctx context.Context, in input) {
	rec := &stepRecord{In: in, At: c.sb.Now()}
	c.cur = rec
	c.userMessage(in, rec.At)
	traces := traced(ctx, func(ctx context.Context) { rec.Res = c.run(ctx, in) })
	c.cur = nil
	rec.Session = c.sb.Session()
	rec.Vars = c.sb.Vars()
	rec.Timers = len(c.sb.Timers())
	// The engine traced one entry per turn Handle saved; AfterTurn opened
	// a record for each, in the same order.
	n := 0
	for _, t := range rec.Turns {
		if !t.host && n < len(traces) {
			t.Trace = &traces[n]
			n++
		}
	}
	for _, t := range rec.Turns {
		c.inspect(ctx, t)
		c.via(t)
	}
	c.steps = append(c.steps, rec)
}

// run takes the step's input (its kinds are the sandbox's, checked when
// the step was taken).
func (c *conversation) run(ctx context.Context, in input) *sandbox.Step {
	return c.sb.Run(ctx, in.Kind, in.Value)
}

// via says which rule made each move of turn t, when the rules that held
// and the moves pair up one to one (a state's own actions lead to no
// move; a no-match ladder step or a sub-flow's return moves without a
// rule): the graph then lights that edge among parallel ones.
func (c *conversation) via(t *turnRecord) {
	if t.Trace == nil {
		return
	}
	var fired []int
	for i, ch := range t.Trace.Checks {
		if ch.Fired {
			fired = append(fired, i)
		}
	}
	if len(fired) != len(t.moves) {
		return
	}
	for k, i := range fired {
		ch := t.Trace.Checks[i]
		p := &c.path[t.moves[k]]
		p.Via, p.Rule = ch.Kind, ch.Name
	}
}

// inspect adds what the inspector shows of a customer's message that the
// turn did not analyse itself: the analyser's signals and the entities.
func (c *conversation) inspect(ctx context.Context, t *turnRecord) {
	if t.Trace == nil || t.Trace.Input != flows.InputMessage || len(t.Events) == 0 {
		return
	}
	in := t.Events[0].Input
	if in.Text == "" {
		return
	}
	if !t.Trace.Analysed && c.s.analyzer != nil {
		if sig, err := c.s.analyzer.Analyze(ctx, flows.AnalyzeInput{Text: in.Text, Lang: c.sb.Session().Lang}); err == nil {
			t.Signals = &sig
		}
	}
	if t.Trace.Entities == nil && c.s.entities != nil {
		t.Entities = c.s.entities.Extract(flows.EntityInput{Text: in.Text, Lang: c.sb.Session().Lang, Now: c.sb.Now().In(c.s.location())})
	}
}

// event records one event of the step under way.
func (c *conversation) event(ev sandbox.Event) {
	rec := c.cur
	if rec == nil {
		return
	}
	if len(rec.Turns) == 0 { // a problem of the sandbox before any turn ran
		rec.Turns = append(rec.Turns, &turnRecord{host: true})
	}
	t := rec.Turns[len(rec.Turns)-1]
	t.Events = append(t.Events, ev)
	step := len(c.steps)
	at := c.sb.Now()
	switch e := ev.Effect.(type) {
	case flows.Reply:
		c.reply(step, at, e)
	case flows.StateChange:
		if e.From != "" {
			t.moves = append(t.moves, len(c.path))
		}
		c.path = append(c.path, pathStep{From: e.From, To: e.To, Step: step})
		c.state = e.To
	case flows.HandoffEffect:
		if e.Handoff != nil {
			b, _ := sandbox.EventJSON(ev)
			c.handoffs = append(c.handoffs, &handoffView{Step: step, ID: e.ID, Reason: e.Reason, Team: e.Team, Priority: string(e.Priority), Payload: b})
			c.system(step, at, "handoff", "Handed off ("+e.Reason+") to team "+orNone(e.Team)+", priority "+string(e.Priority))
			c.ruleMove(t, ev, step, nodeHandoff, flows.ShapeHandoff)
		}
	case sandbox.RouteEvent:
		if h := c.handoff(e.HandoffID); h != nil {
			b, _ := json.Marshal(e)
			h.Route = b
		}
	case sandbox.HelpdeskRequest:
		if n := len(c.handoffs); n > 0 {
			h := c.handoffs[n-1]
			h.Requests = append(h.Requests, requestView{HelpdeskRequest: e, Step: step, Text: e.Text()})
		}
	case flows.NoMatch:
		t.noMatch = true
	case flows.LifecycleChange:
		c.system(step, at, "lifecycle", "The conversation is "+lifecycleText(e.To))
	case flows.EndEffect:
		c.system(step, at, "end", "The conversation ended ("+orNone(e.Reason)+")")
		c.ruleMove(t, ev, step, nodeEnd, flows.ShapeEnd)
	case flows.ErrorEffect:
		c.system(step, at, "error", e.Message)
	case flows.Undelivered:
		c.system(step, at, "undelivered", "The customer did not get the agent's reply; a note goes back to ticket "+orNone(e.Ticket.ID))
	}
	if ev.Input.Kind == flows.InputTimer && len(t.Events) == 1 {
		c.system(step, at, "timer", "A timeout fired at "+at.In(c.s.location()).Format("15:04, Mon 2 Jan"))
	}
}

// ruleMove records the move of a rule (a trigger, option, route, next:
// rule, ladder step or timeout) that ends the conversation or hands it off
// itself: no state is entered, and the graph draws it to the pseudo-node
// to, from the state the conversation was in. A state whose own actions do
// it (shape own) is where the path ends; a ticket's update or the
// customer's close ends it by no rule.
func (c *conversation) ruleMove(t *turnRecord, ev sandbox.Event, step int, to string, own flows.Shape) {
	if k := ev.Input.Kind; k == flows.InputTicket || k == flows.InputClose || k == flows.InputAgent {
		return
	}
	st := c.s.flow.Lookup(c.state)
	if st == nil || st.Shape() == own {
		return
	}
	p := pathStep{From: c.state, To: to, Step: step}
	if t.noMatch {
		p.Via = string(flows.EdgeNoMatch)
	}
	t.moves = append(t.moves, len(c.path))
	c.path = append(c.path, p)
}

func (c *conversation) handoff(id string) *handoffView {
	for _, h := range c.handoffs {
		if h.ID == id {
			return h
		}
	}
	return nil
}

// userMessage shows the customer's (or the agent's, or the clock's) step
// in the chat.
func (c *conversation) userMessage(in input, at time.Time) {
	step := len(c.steps)
	switch in.Kind {
	case sandbox.StepUser:
		c.messages = append(c.messages, message{Step: step, At: at, From: "user", Kind: "text", Text: in.Value})
	case sandbox.StepButton:
		text := in.Label
		if text == "" {
			text = in.Value
		}
		c.messages = append(c.messages, message{Step: step, At: at, From: "user", Kind: "button", Text: text, Payload: in.Value})
	case sandbox.StepWait:
		c.system(step, at, "clock", "⏱ "+in.Value+" later")
	case sandbox.StepTicket:
		c.system(step, at, "ticket", "The agent set the ticket "+in.Value)
	case sandbox.StepClose:
		c.system(step, at, "close", "The customer closed the chat")
	}
}

// reply shows a bot's or agent's reply, rendered by the channel.
func (c *conversation) reply(step int, at time.Time, r flows.Reply) {
	from := r.From
	if from == "" {
		from = "bot"
	}
	m := message{Step: step, At: at, From: from, Kind: "text", Text: r.Text, Agent: r.Agent, Options: r.Options, Style: string(r.Style)}
	ch := c.s.setup.Channel
	msgs, err := c.s.preview.render(ch, r, c.sb.Session().Lang)
	if err != nil {
		m.Notes = append(m.Notes, "the "+ch+" sender refuses this reply: "+err.Error())
	}
	m.Channel = msgs
	m.Notes = append(m.Notes, notes(ch, r, msgs)...)
	c.messages = append(c.messages, m)
}

func (c *conversation) system(step int, at time.Time, kind, text string) {
	c.messages = append(c.messages, message{Step: step, At: at, From: "system", Kind: kind, Text: text})
}

// changed lists the variables whose value step i changed.
func (c *conversation) changed(i int) []string {
	var before map[string]any
	if i > 0 {
		before = c.steps[i-1].Vars
	} else {
		before = c.sb.Config().Flow.Vars
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(c.steps[i].Vars)) {
		if old, ok := before[k]; !ok || !reflect.DeepEqual(old, c.steps[i].Vars[k]) {
			out = append(out, k)
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func lifecycleText(l flows.Lifecycle) string {
	switch l {
	case flows.LifecycleBot:
		return "with the bot"
	case flows.LifecycleHandedOff:
		return "handed off, waiting for an agent"
	case flows.LifecycleWithAgent:
		return "with an agent"
	case flows.LifecycleClosed:
		return "closed"
	}
	return string(l)
}
