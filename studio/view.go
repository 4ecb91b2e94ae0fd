package studio

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// snapshot is what the page shows, as JSON (GET /api/state and the answer
// to every action).
type snapshot struct {
	Version  int64    `json:"version"`
	Flow     flowInfo `json:"flow"`
	Notice   string   `json:"notice,omitempty"`
	Setup    Setup    `json:"setup"`
	Channels []string `json:"channels"`
	// Clock is the sandbox's time, in Zone (the flow's time zone).
	Clock        time.Time      `json:"clock"`
	Zone         string         `json:"zone"`
	Timers       []timerView    `json:"timers"`
	Conversation string         `json:"conversation"`
	State        string         `json:"state"`
	Lifecycle    string         `json:"lifecycle"`
	Path         []pathStep     `json:"path"`
	Messages     []message      `json:"messages"`
	Steps        []stepView     `json:"steps"`
	Handoffs     []*handoffView `json:"handoffs"`
	Graph        *graphView     `json:"graph"`
}

type flowInfo struct {
	Name        string       `json:"name"`
	Version     string       `json:"version,omitempty"`
	Path        string       `json:"path"`
	Rev         int          `json:"rev"`
	Languages   []string     `json:"languages"`
	Config      string       `json:"config,omitempty"`
	ConfigError string       `json:"config_error,omitempty"`
	Diagnostics []diagnostic `json:"diagnostics"`
	// Errors is set when the file on disk has errors: the diagnostics are
	// its, and the conversation runs the version loaded before.
	Errors bool   `json:"errors"`
	Tests  string `json:"tests"`
}

type diagnostic struct {
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Detail   string `json:"detail,omitempty"`
	Pos      string `json:"pos"`
	Text     string `json:"text"` // file:line:col: severity: message
}

type timerView struct {
	Key string    `json:"key"`
	At  time.Time `json:"at"`
	In  string    `json:"in"` // from the clock: "10m"
}

// pathStep is one move of the conversation: Via is the kind of rule that
// made it (menu, route, next, trigger, timeout) and Rule its name, when
// known.
type pathStep struct {
	From string `json:"from"`
	To   string `json:"to"`
	Step int    `json:"step"`
	Via  string `json:"via,omitempty"`
	Rule string `json:"rule,omitempty"`
}

// message is one bubble of the chat: the customer's, the bot's, an
// agent's, or a note (a handoff, the clock, an error).
type message struct {
	Step    int                 `json:"step"`
	At      time.Time           `json:"at"`
	From    string              `json:"from"` // user, bot, agent, system
	Kind    string              `json:"kind"` // text, button; for system: handoff, lifecycle, end, error, timer, clock, ticket, close
	Text    string              `json:"text"`
	Payload string              `json:"payload,omitempty"`
	Agent   string              `json:"agent,omitempty"`
	Options []flows.ReplyOption `json:"options,omitempty"`
	Style   string              `json:"style,omitempty"`
	// Channel are the messages the channel would send for a reply.
	Channel []Message `json:"channel,omitempty"`
	// Notes say how the channel's limits shaped it.
	Notes []string `json:"notes,omitempty"`
}

type handoffView struct {
	Step     int             `json:"step"`
	ID       string          `json:"id"`
	Reason   string          `json:"reason"`
	Team     string          `json:"team"`
	Priority string          `json:"priority"`
	Payload  json.RawMessage `json:"payload"`
	// Route is the routing decision (with a deployment config).
	Route    json.RawMessage `json:"route,omitempty"`
	Requests []requestView   `json:"requests"`
}

type requestView struct {
	sandbox.HelpdeskRequest
	Step int    `json:"step"`
	Text string `json:"text"`
}

// stepView is one step in the inspector.
type stepView struct {
	Index     int            `json:"index"`
	Kind      string         `json:"kind"`
	Value     string         `json:"value"`
	Label     string         `json:"label,omitempty"`
	At        time.Time      `json:"at"`
	State     string         `json:"state"`
	Lifecycle string         `json:"lifecycle"`
	Counters  counters       `json:"counters"`
	Vars      map[string]any `json:"vars"`
	Changed   []string       `json:"changed"`
	Problems  []string       `json:"problems"`
	Turns     []turnView     `json:"turns"`
}

type counters struct {
	NoMatch int `json:"no_match"`
	Turns   int `json:"turns"`
	Timers  int `json:"timers"`
}

type turnView struct {
	Input    string            `json:"input"`
	Trace    *engine.TurnTrace `json:"trace,omitempty"`
	Signals  *flows.Signals    `json:"signals,omitempty"`
	Entities []flows.Entity    `json:"entities"`
	// Inspected says the signals or entities were computed for the
	// inspector: the turn did not read them.
	Inspected bool              `json:"inspected,omitempty"`
	Effects   []json.RawMessage `json:"effects"`
}

// snapshot builds the page's view. Call with s.mu held.
func (s *Studio) snapshot() *snapshot {
	c := s.conv
	sess := c.sb.Session()
	loc := s.location()
	out := &snapshot{
		Version:      s.version,
		Notice:       s.notice,
		Setup:        s.setup,
		Channels:     Channels,
		Clock:        c.sb.Now().In(loc),
		Zone:         loc.String(),
		Conversation: sess.ID,
		State:        c.state,
		Lifecycle:    string(sess.Lifecycle),
		Path:         orEmpty(c.path),
		Messages:     make([]message, len(c.messages)),
		Handoffs:     orEmpty(c.handoffs),
		Graph:        s.graph(),
	}
	out.Setup.Start = out.Setup.Start.In(loc)
	for i, m := range c.messages {
		m.At = m.At.In(loc)
		out.Messages[i] = m
	}
	out.Flow = flowInfo{Name: s.flow.Name, Version: s.flow.Version, Path: s.o.Flow, Rev: s.rev, Languages: s.flow.Languages,
		Config: s.o.Config, ConfigError: s.depErr, Diagnostics: []diagnostic{}, Tests: s.testsDir()}
	if len(out.Flow.Languages) == 0 {
		out.Flow.Languages = []string{s.flow.DefaultLanguage()}
	}
	for _, d := range s.diags {
		out.Flow.Diagnostics = append(out.Flow.Diagnostics, diagnostic{Severity: d.Severity.String(), Message: d.Summary, Detail: d.Detail, Pos: d.Pos.String(), Text: d.String()})
		out.Flow.Errors = out.Flow.Errors || d.Severity == dsl.Error
	}
	timers := c.sb.Timers()
	for _, k := range slices.Sorted(maps.Keys(timers)) {
		at := timers[k]
		out.Timers = append(out.Timers, timerView{Key: k, At: at.In(loc), In: sandbox.FormatDuration(at.Sub(c.sb.Now()).Truncate(time.Second))})
	}
	sort.SliceStable(out.Timers, func(i, j int) bool { return out.Timers[i].At.Before(out.Timers[j].At) })
	if out.Timers == nil {
		out.Timers = []timerView{}
	}
	out.Steps = []stepView{}
	for i, st := range c.steps {
		out.Steps = append(out.Steps, c.stepView(i, st))
	}
	return out
}

func (c *conversation) stepView(i int, st *stepRecord) stepView {
	v := stepView{Index: i, Kind: st.In.Kind, Value: st.In.Value, Label: st.In.Label, At: st.At.In(c.s.location()),
		State: st.Session.State, Lifecycle: string(st.Session.Lifecycle), Vars: st.Vars, Changed: orEmpty(c.changed(i)),
		Problems: st.Res.Problems, Counters: counters{NoMatch: st.Session.NoMatch, Turns: st.Session.Turns}}
	if v.Problems == nil {
		v.Problems = []string{}
	}
	if len(st.Session.Stack) > 0 {
		v.State = st.Session.Stack[len(st.Session.Stack)-1].Flow + "/" + st.Session.State
	}
	v.Counters.Timers = st.Timers
	for _, t := range st.Turns {
		tv := turnView{Trace: t.Trace, Entities: []flows.Entity{}, Effects: []json.RawMessage{}}
		if len(t.Events) > 0 {
			tv.Input = describe(t.Events[0].Input)
		} else if t.Trace != nil {
			tv.Input = string(t.Trace.Input)
		}
		if t.Trace != nil {
			tv.Signals = t.Trace.Signals
			if t.Trace.Entities != nil {
				tv.Entities = t.Trace.Entities
			}
		}
		if tv.Signals == nil && t.Signals != nil {
			tv.Signals, tv.Inspected = t.Signals, true
		}
		if len(tv.Entities) == 0 && len(t.Entities) > 0 {
			tv.Entities, tv.Inspected = t.Entities, true
		}
		for _, ev := range t.Events {
			if b, err := sandbox.EventJSON(ev); err == nil {
				tv.Effects = append(tv.Effects, b)
			}
		}
		v.Turns = append(v.Turns, tv)
	}
	if v.Turns == nil {
		v.Turns = []turnView{}
	}
	return v
}

// describe names an input for the inspector.
func describe(in flows.Input) string {
	switch in.Kind {
	case flows.InputMessage:
		if in.Payload != "" {
			return "button " + in.Payload
		}
		return fmt.Sprintf("message %q", in.Text)
	case flows.InputHTTP:
		if in.HTTP != nil {
			return "HTTP result " + in.HTTP.ID
		}
	case flows.InputTimer:
		return "timer " + in.Timer
	case flows.InputAgent:
		return fmt.Sprintf("agent %q", in.Text)
	case flows.InputTicket:
		if in.Ticket != nil {
			return "ticket " + string(in.Ticket.Status)
		}
	}
	return string(in.Kind)
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
