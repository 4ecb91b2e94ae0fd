package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/entity"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/host"
	"github.com/batonbot/baton/store/memory"
)

// Config is one conversation's setup.
type Config struct {
	Flow     *flows.Flow
	Lang     string
	Channel  string
	Contact  flows.Contact
	Vars     map[string]any // initial values overriding the flow's
	Now      time.Time      // the clock at the start
	Fixed    bool           // the clock moves only with wait; else it follows the real one
	Canned   []*Canned      // tried before the flow's sandbox responses
	IDPrefix string         // conversation ids are idPrefix-1, idPrefix-2...
	// cannedHint is added to the "no canned response" message (e.g. how to
	// add one to a test file).
	CannedHint string
	// deployment, when set, routes handoffs and shows (or, with live,
	// makes) the helpdesk requests.
	Deployment *Deployment
	Live       bool
	// host, with --live, takes the turns and makes the HTTP calls: the
	// live wiring `baton serve` runs (see chat_live.go).
	Host *host.Host
	// store replaces the in-memory store (--live --store FILE).
	Store Store
	// analyzer replaces the built-in analyser (--live with an LLM).
	Analyzer flows.Analyzer
	// recorder, when set, writes the analytics events of every turn.
	Recorder *analytics.Recorder
}

// Store is where the sandbox keeps sessions, outbox items and the
// agents' open handoffs (least-loaded routing counts them there).
type Store interface {
	flows.SessionStore
	flows.Outbox
	flows.LoadTracker
}

// Canned is a canned response given by a test file.
type Canned struct {
	Pos      flows.Pos
	Method   string
	URL      string
	URLRegex *regexp.Regexp
	Status   int
	Body     any
	Error    string
}

// BodyBytes is the answer's body as the HTTP action receives it: a text
// as it is, any other value as JSON, none as nil.
func (c *Canned) BodyBytes() []byte {
	switch b := c.Body.(type) {
	case nil:
		return nil
	case string:
		return []byte(b)
	default:
		j, _ := json.Marshal(b)
		return j
	}
}

func (c *Canned) Matches(r flows.HTTPRequest) bool {
	if c.Method != "" && !strings.EqualFold(c.Method, r.Method) {
		return false
	}
	if c.URLRegex != nil {
		return c.URLRegex.MatchString(r.URL)
	}
	return c.URL == r.URL
}

// Event is one thing that happened in the sandbox: an engine effect, with
// the canned answer when it is an HTTP request.
type Event struct {
	Effect flows.Effect
	// Response answered an HTTPRequest.
	Response *HTTPAnswer
	// Host is set on errors of the sandbox itself (not the engine's).
	Host bool
	// Input is the input whose turn produced the effect.
	Input flows.Input
}

// HTTPAnswer is how the sandbox answered an HTTP request.
type HTTPAnswer struct {
	Status int    `json:"status"`
	Body   any    `json:"body,omitempty"`
	Error  string `json:"error,omitempty"`
	// Source says where the answer came from: "sandbox" (the flow's
	// sandbox: responses), a test file position, or "none".
	Source string `json:"source"`
}

// Step collects what one step (an input and everything it caused:
// HTTP answers, timers fired) produced.
type Step struct {
	Events []Event
	// Problems are host errors that make a test step fail: requests with no
	// canned response, engine errors.
	Problems []string
}

type Sandbox struct {
	cfg     Config
	eng     *engine.Engine
	store   Store
	hd      *helpdesk      // nil without a deployment config
	sess    *flows.Session // a copy of the stored session, after the last turn
	n       int
	virtual time.Time
	offset  time.Duration
	timers  map[string]time.Time
	// menu is the last menu shown (Menu).
	menu []flows.ReplyOption
	// onEvent, when set, sees each event as it happens; emitMu serialises
	// it with events from other goroutines (the live deliverer's).
	OnEvent func(Event)
	emitMu  sync.Mutex
	// afterTurn, when set, runs after each saved turn.
	AfterTurn func()
	// contactIDs makes the contact id of each conversation with --live
	// (unique: conversation ids are channel:chat:contact); contactID is
	// the current one's.
	contactIDs func() string
	contactID  string
	// handoff is the conversation's last handoff (the session forgets it
	// once its ticket is solved or closed): an agent's reply names its
	// ticket, as the bridge's do.
	handoff *flows.HandoffRef
}

// New starts a sandbox on cfg, ready for its first conversation.
func New(cfg Config) (*Sandbox, error) {
	if cfg.IDPrefix == "" {
		cfg.IDPrefix = "sandbox"
	}
	if cfg.Channel == "" {
		cfg.Channel = "sandbox"
	}
	if err := CheckChannel(cfg.Channel); err != nil {
		return nil, err
	}
	if cfg.Lang == "" {
		cfg.Lang = cfg.Flow.DefaultLanguage()
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	s := &Sandbox{cfg: cfg, virtual: cfg.Now}
	if !cfg.Fixed {
		s.offset = time.Until(cfg.Now)
	}
	a := cfg.Analyzer
	var err error
	if a == nil && cfg.Host == nil { // the host has the analyser of the live turns
		if a, err = NewAnalyzer(cfg.Flow); err != nil {
			return nil, fmt.Errorf("starting the NLU analyser: %w", err)
		}
	}
	opts := []engine.Option{engine.WithClock(s.Now)}
	if cfg.Live {
		// Handoff ids are helpdesk idempotency keys, tags and webhook-ids:
		// live, they must differ from every other process's and run's.
		opts = append(opts, engine.WithIDs(host.NewIDs(s.Now)))
		// So must conversation and contact ids (the ticket's requester).
		s.contactIDs = host.NewIDs(nil)
	}
	if a != nil {
		opts = append(opts, engine.WithAnalyzer(a))
	}
	s.store = cfg.Store
	if cfg.Host != nil {
		s.store = cfg.Host.Store()
	}
	if s.store == nil {
		s.store = memory.New(memory.WithClock(s.Now))
	}
	if cfg.Deployment != nil {
		if s.hd, err = newHelpdesk(cfg.Deployment, s.Now, cfg.Live, s.store); err != nil {
			return nil, fmt.Errorf("setting up the helpdesk connectors of %s: %w", cfg.Deployment.Handoff.Source, err)
		}
		// Routing happens inside Handle, before the save: a declined
		// handoff (out of hours, tell or email) ends the conversation
		// there, after the customer is told why (helpdesk.after).
		opts = append(opts, engine.WithHandoffHook(s.hd.route))
	}
	if rec := cfg.Recorder; rec != nil {
		opts = append(opts, engine.WithObserver(func(ctx context.Context, t flows.TurnRecord) {
			if ctx.Value(unrecordedKey{}) == nil {
				rec.ObserveAt(ctx, t, s.Now())
			}
		}))
	}
	opts = append(opts, engine.WithEntities(entity.New()))
	s.eng = engine.New(cfg.Flow, opts...)
	s.Reset()
	return s, nil
}

// unrecordedKey marks the context of turns Config.Recorder does not see.
type unrecordedKey struct{}

// Unrecorded returns ctx for turns whose analytics events are not written
// to Config.Recorder: a conversation run again, whose events were written
// when it first ran (baton chat --watch replaying it on a reloaded flow).
func Unrecorded(ctx context.Context) context.Context {
	return context.WithValue(ctx, unrecordedKey{}, true)
}

// Config is the sandbox's setup.
func (s *Sandbox) Config() Config { return s.cfg }

// Now is the sandbox clock.
func (s *Sandbox) Now() time.Time {
	if s.cfg.Fixed {
		return s.virtual
	}
	return time.Now().Add(s.offset)
}

func (s *Sandbox) setNow(t time.Time) {
	if s.cfg.Fixed {
		s.virtual = t
		return
	}
	s.offset = time.Until(t)
}

// Reset starts a new conversation with the same setup.
func (s *Sandbox) Reset() {
	s.n++
	id := fmt.Sprintf("%s-%d", s.cfg.IDPrefix, s.n)
	if s.contactIDs != nil {
		s.contactID = s.contactIDs()
		id = flows.ConversationID(s.cfg.Channel, LiveAccount, s.contactID)
	}
	s.sess = s.newSession(id)
	s.timers = map[string]time.Time{}
	s.menu = nil
	s.handoff = nil
}

// newSession is a conversation's first session: the flow's variables with
// the setup's values over them.
func (s *Sandbox) newSession(id string) *flows.Session {
	contact := s.cfg.Contact
	if s.contactID != "" {
		contact.ID = s.contactID
	}
	sess := s.eng.NewSession(id, contact, s.cfg.Channel, s.cfg.Lang)
	vars := maps.Clone(s.cfg.Flow.Vars)
	if vars == nil {
		vars = map[string]any{}
	}
	maps.Copy(vars, s.cfg.Vars)
	sess.Vars = vars
	return sess
}

// Timers are the timers waiting to fire, by key (a copy).
func (s *Sandbox) Timers() map[string]time.Time { return maps.Clone(s.timers) }

// Session is the conversation as it is now.
func (s *Sandbox) Session() *flows.Session { return s.sess }

// Vars is every variable of the conversation: the flow's defaults with the
// session's values over them (the session keeps only what was set). In a
// sub-flow they are the sub-flow's, as its expressions see them.
func (s *Sandbox) Vars() map[string]any {
	decl := s.cfg.Flow.Vars
	if n := len(s.sess.Stack); n > 0 {
		if f := s.cfg.Flow.Subflows[s.sess.Stack[n-1].Flow]; f != nil {
			decl = f.Vars
		}
	}
	out := maps.Clone(decl)
	if out == nil {
		out = map[string]any{}
	}
	maps.Copy(out, s.sess.Vars)
	return out
}

// User sends a user message.
func (s *Sandbox) User(ctx context.Context, text string) *Step {
	return s.Do(ctx, flows.Input{Kind: flows.InputMessage, Text: text})
}

// Button taps a button or list row.
func (s *Sandbox) Button(ctx context.Context, id string) *Step {
	return s.Do(ctx, flows.Input{Kind: flows.InputMessage, Payload: id})
}

// Media sends a message carrying media; its caption is the text.
func (s *Sandbox) Media(ctx context.Context, m *flows.Media) *Step {
	return s.Do(ctx, flows.Input{Kind: flows.InputMessage, Text: m.Caption, Media: m})
}

// Agent sends a message from the human agent. Like the bridge's, it names
// the ticket the agent wrote on (the conversation's last handoff's), so a
// reply that came after the conversation left the agent is reported back
// on that ticket (flows.Undelivered) instead of reaching the customer.
func (s *Sandbox) Agent(ctx context.Context, text string) *Step {
	in := flows.Input{Kind: flows.InputAgent, Text: text, Agent: "agent"}
	if t := s.agentTicket(); t.ID != "" {
		in.Ticket = &flows.TicketUpdate{Ticket: t}
	}
	return s.Do(ctx, in)
}

// agentTicket is the ticket of the conversation's last handoff: the one
// a ticket update named, else the helpdesk's (the dry run's canned
// ticket; with --live the one the helpdesk created), else without a
// deployment config the sandbox's own (the connector baton serve names
// its captured tickets with, and the handoff's id). None before any
// handoff, or with a helpdesk that opened no ticket.
func (s *Sandbox) agentTicket() flows.TicketRef {
	h := s.handoff
	if h == nil {
		return flows.TicketRef{}
	}
	if h.Ticket.ID != "" {
		return h.Ticket
	}
	if s.hd != nil {
		return s.hd.ticket(h.ID)
	}
	return flows.TicketRef{Connector: host.CaptureName, ID: h.ID}
}

// Ticket changes the handoff ticket's status.
func (s *Sandbox) Ticket(ctx context.Context, status flows.TicketStatus) *Step {
	up := &flows.TicketUpdate{Status: status}
	if s.sess.Handoff != nil {
		up.Ticket = s.sess.Handoff.Ticket
	}
	return s.Do(ctx, flows.Input{Kind: flows.InputTicket, Ticket: up})
}

// Run takes a step given as a test file writes it: its kind (StepUser...)
// and value ("10m" for a wait, a ticket status, "true" for close).
func (s *Sandbox) Run(ctx context.Context, kind, value string) *Step {
	switch kind {
	case StepUser:
		return s.User(ctx, value)
	case StepButton:
		return s.Button(ctx, value)
	case StepWait:
		d, err := time.ParseDuration(value)
		if err != nil {
			return &Step{Problems: []string{fmt.Sprintf("wait: %q is not a duration", value)}}
		}
		return s.Wait(ctx, d)
	case StepAgent:
		return s.Agent(ctx, value)
	case StepTicket:
		return s.Ticket(ctx, flows.TicketStatus(value))
	case StepClose:
		return s.Do(ctx, flows.Input{Kind: flows.InputClose})
	}
	return &Step{Problems: []string{fmt.Sprintf("unknown step %q", kind)}}
}
