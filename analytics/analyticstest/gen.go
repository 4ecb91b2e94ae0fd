package analyticstest

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/batonbot/baton/flows"
)

// Options shape a generated stream.
type Options struct {
	// Start is the first conversation's start (default 2026-03-02 08:00 UTC).
	Start time.Time
	// PerHour is how many conversations start per hour (default 40).
	PerHour int
	Seed    uint64
}

// Generator produces events in time order.
type Generator struct {
	o   Options
	r   *rand.Rand
	now time.Time
	n   int
	// pending are the events of conversations under way, in time order.
	pending eventHeap
}

// New returns a generator.
func New(o Options) *Generator {
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	}
	if o.PerHour <= 0 {
		o.PerHour = 40
	}
	return &Generator{o: o, r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), now: o.Start}
}

// Next returns the next event.
func (g *Generator) Next() flows.Event {
	for g.pending.Len() == 0 || g.pending.first().At.After(g.now) {
		g.startConversation()
	}
	return g.pending.pop()
}

// WriteJSONL writes n events as JSONL to w.
func (g *Generator) WriteJSONL(w io.Writer, n int) error {
	enc := json.NewEncoder(w)
	for range n {
		ev := g.Next()
		if err := enc.Encode(&ev); err != nil {
			return err
		}
	}
	return nil
}

var (
	teams    = []string{"support", "billing", "tech"}
	reasons  = []string{"asks_for_human", "menu", "no_match", "sensitive_topic", "frustrated"}
	topics   = []string{"order", "faq", "returns", "payments"}
	channels = []string{"whatsapp", "whatsapp", "whatsapp", "telegram", "web"}
	langs    = []string{"it", "it", "en", "es"}
	prios    = []flows.Priority{flows.PriorityLow, flows.PriorityNormal, flows.PriorityNormal, flows.PriorityHigh, flows.PriorityUrgent}
	frtSLA   = map[flows.Priority]time.Duration{flows.PriorityUrgent: 15 * time.Minute, flows.PriorityHigh: time.Hour, flows.PriorityNormal: 2 * time.Hour, flows.PriorityLow: 24 * time.Hour}
)

// startConversation schedules one conversation's events and moves the
// clock to its start (conversations arrive more by day than by night).
func (g *Generator) startConversation() {
	r := g.r
	g.n++
	h := g.now.Hour()
	rate := float64(g.o.PerHour)
	if h < 8 || h >= 21 {
		rate /= 6
	}
	g.now = g.now.Add(time.Duration(r.ExpFloat64() / rate * float64(time.Hour)))
	id := "conv-" + strconv.Itoa(g.n)
	c := conv{g: g, at: g.now, base: flows.Event{V: flows.EventSchema, Conversation: id,
		Contact: "contact-" + strconv.Itoa(r.IntN(g.n/3+50)), Flow: "shop-support", FlowVersion: "1.0",
		Channel: channels[r.IntN(len(channels))], Lang: langs[r.IntN(len(langs))]}}
	c.emit(flows.EvConversationStarted, nil)
	topic := topics[r.IntN(len(topics))]
	c.user(func(e *flows.Event) { e.Size = 4 + r.IntN(40) })
	c.enter("welcome")
	c.bot()
	c.enter("main_menu")
	c.bot()
	c.user(func(e *flows.Event) { e.Choice = topic; e.Size = 1 })
	c.enter(topic)
	if r.IntN(10) == 0 {
		c.emit(flows.EvNoMatch, func(e *flows.Event) { e.Count = 1 })
		c.bot()
		c.user(func(e *flows.Event) { e.Size = 12 })
	}
	c.bot()
	switch p := r.IntN(100); {
	case p < 55: // contained, sometimes surveyed
		c.enter("goodbye")
		c.bot()
		if r.IntN(3) == 0 {
			c.survey("nps", 0, 10)
		}
		c.end(flows.OutcomeContained, "resolved")
	case p < 70: // abandoned
		c.at = c.at.Add(24 * time.Hour)
		c.bot()
		c.end(flows.OutcomeAbandoned, "no_reply")
	default:
		c.handoff()
	}
}

type conv struct {
	g     *Generator
	at    time.Time
	base  flows.Event
	state string
	seq   int
}

func (c *conv) emit(t flows.EventType, fill func(*flows.Event)) {
	c.seq++
	ev := c.base
	ev.Type, ev.At, ev.State = t, c.at, c.state
	ev.ID = ev.Conversation + ":" + strconv.Itoa(c.seq)
	if fill != nil {
		fill(&ev)
	}
	c.g.pending.push(ev)
}

func (c *conv) step(d time.Duration) { c.at = c.at.Add(d) }

func (c *conv) user(fill func(*flows.Event)) {
	c.step(time.Duration(5+c.g.r.IntN(60)) * time.Second)
	c.emit(flows.EvMessageIn, func(e *flows.Event) {
		e.Kind, e.To = "text", "bot"
		if fill != nil {
			fill(e)
		}
	})
}

func (c *conv) bot() {
	c.step(time.Duration(50+c.g.r.IntN(900)) * time.Millisecond)
	c.emit(flows.EvMessageOut, func(e *flows.Event) { e.From, e.Size = "bot", 20+c.g.r.IntN(120) })
}

func (c *conv) enter(state string) {
	from := c.state
	c.state = state
	c.emit(flows.EvStateEntered, func(e *flows.Event) { e.From = from })
}

func (c *conv) end(outcome, reason string) {
	c.emit(flows.EvConversationEnded, func(e *flows.Event) { e.Outcome, e.Reason = outcome, reason })
}

func (c *conv) survey(kind string, lo, hi int) {
	r := c.g.r
	c.enter(kind)
	c.bot()
	c.emit(flows.EvSurveyAsked, func(e *flows.Event) { e.Survey, e.Kind = kind, kind })
	if r.IntN(4) == 0 {
		return
	}
	score := hi - r.IntN(hi-lo+1)/2
	if r.IntN(5) == 0 {
		score = lo + r.IntN(hi-lo+1)
	}
	c.user(func(e *flows.Event) { e.Size = 1 })
	c.emit(flows.EvSurveyAnswered, func(e *flows.Event) { e.Survey, e.Kind, e.Score = kind, kind, &score })
}

func (c *conv) handoff() {
	r := c.g.r
	team := teams[r.IntN(len(teams))]
	prio := prios[r.IntN(len(prios))]
	hid := c.base.Conversation + "-h"
	start := c.at
	due := start.Add(frtSLA[prio])
	resolDue := start.Add(4 * frtSLA[prio])
	c.enter("transfer")
	c.emit(flows.EvHandoffRequested, func(e *flows.Event) {
		e.Handoff, e.Reason, e.Team, e.Priority = hid, reasons[r.IntN(len(reasons))], team, string(prio)
		e.FirstResponseDue, e.ResolutionDue = due, resolDue
	})
	c.bot()
	c.step(time.Duration(1+r.IntN(5)) * time.Second)
	c.emit(flows.EvHandoffDelivered, func(e *flows.Event) {
		e.Handoff, e.Team, e.Priority, e.Ticket, e.Connector, e.Attempts = hid, team, string(prio), strconv.Itoa(40000+c.g.n), "zendesk", 1
	})
	// First reply: mostly within the SLA, a tail beyond it.
	wait := time.Duration(r.ExpFloat64() * 0.45 * float64(frtSLA[prio]))
	c.at = start.Add(wait)
	c.emit(flows.EvFirstAgentReply, func(e *flows.Event) {
		e.Handoff, e.Team, e.Priority, e.Agent, e.WaitMS, e.FirstResponseDue = hid, team, string(prio), "agent"+strconv.Itoa(r.IntN(9)), wait.Milliseconds(), due
	})
	c.emit(flows.EvMessageOut, func(e *flows.Event) { e.From, e.Size = "agent", 60 })
	c.at = c.at.Add(time.Duration(r.ExpFloat64() * float64(frtSLA[prio])))
	c.emit(flows.EvTicketSolved, func(e *flows.Event) {
		e.Handoff, e.Team, e.Priority, e.WaitMS, e.ResolutionDue = hid, team, string(prio), c.at.Sub(start).Milliseconds(), resolDue
	})
	c.emit(flows.EvBotResumed, func(e *flows.Event) { e.Handoff, e.Team, e.Priority = hid, team, string(prio) })
	c.survey("csat", 1, 5)
	c.enter("goodbye")
	c.bot()
	c.end(flows.OutcomeHandedOff, "resolved")
}
