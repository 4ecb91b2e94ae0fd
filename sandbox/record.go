package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/flows"
)

// Recording keeps the steps of sandbox conversations and what each showed,
// and writes them as a conversation test file (docs/testing.md) with exact
// expectations: `baton chat --record FILE` and the web sandbox's "save as
// test". Run with the same setup, the file passes.
type Recording struct {
	// By names what recorded it in the file's head comment (default
	// "baton chat --record").
	By       string
	path     string
	flowPath string
	cfg      Config
	convs    [][]recordedStep
	// starts are the times the conversations started (zero until their
	// first turn): the clock at their first step, which the file writes
	// as their now:, so a test runs them at the time they ran (a sampled
	// survey hashes the conversation's start).
	starts []time.Time
}

// recordedStep is one step of a recorded conversation and what it showed.
type recordedStep struct {
	kind, value string // user, button, wait, agent, ticket, close
	replies     []string
	options     []string // the titles of the last menu shown in the step
	state       string
	lifecycle   flows.Lifecycle // set when the step changed it
	handoff     *flows.Handoff
	ended       bool
	// failed: the flow hit an error the engine survived, which a test
	// step must expect (events: [{type: error}]).
	failed bool
	// events are the events a test step expects, in the order they
	// happened: the first error (failed), an agent's reply that did not
	// reach the customer (undelivered, with its ticket).
	events []recordedEvent

	// after is the time that passed before the step (a chat on the real
	// clock), written as its after:.
	after time.Duration
}

// recordedEvent is an event a recorded step expects (events:).
type recordedEvent struct {
	typ    string // error, undelivered
	ticket flows.TicketRef
}

// NewRecording records conversations of sb's setup (Config) for a test
// file at path; flowPath is the flow's file, written relative to path's
// directory, as the deployment config's is.
func NewRecording(path, flowPath string, sb *Sandbox) *Recording {
	return &Recording{path: path, flowPath: flowPath, cfg: sb.Config(), convs: [][]recordedStep{nil}, starts: []time.Time{{}}}
}

// NewConversation starts the next conversation (after a Reset).
func (r *Recording) NewConversation() {
	if len(r.convs[len(r.convs)-1]) > 0 {
		r.convs = append(r.convs, nil)
		r.starts = append(r.starts, time.Time{})
	}
}

// Steps counts the steps recorded.
func (r *Recording) Steps() int {
	n := 0
	for _, c := range r.convs {
		n += len(c)
	}
	return n
}

// Step kinds of a test file (docs/testing.md).
const (
	StepUser   = "user"
	StepButton = "button"
	StepMedia  = "media" // not for Run: the attachment is no string (Media)
	StepWait   = "wait"
	StepAgent  = "agent"
	StepTicket = "ticket"
	StepClose  = "close"
)

// Add records a step: its kind (StepUser...) and value as a test file
// writes them ("10m" for a wait, "true" for close), what it produced and
// the session after it.
func (r *Recording) Add(kind, value string, res *Step, s *flows.Session) {
	r.AddAfter(0, kind, value, res, s)
}

// AddAfter records a step before which the time after passed (the
// conversation's clock moved by it, firing the timers due, before the
// step's input): a chat on the real clock. res has what both did.
func (r *Recording) AddAfter(after time.Duration, kind, value string, res *Step, s *flows.Session) {
	st := recordedStep{kind: kind, value: value, replies: []string{}}
	last := len(r.convs) - 1
	if !r.starts[last].IsZero() {
		// Before the first turn the time that passed is the start's (now:).
		st.after = after
	}
	for _, ev := range res.Events {
		switch e := ev.Effect.(type) {
		case flows.Reply:
			st.replies = append(st.replies, e.Text)
			if len(e.Options) > 0 {
				st.options = st.options[:0]
				for _, o := range e.Options {
					st.options = append(st.options, o.Title)
				}
			}
		case flows.HandoffEffect:
			st.handoff = e.Handoff
		case flows.LifecycleChange:
			st.lifecycle = e.To
		case flows.EndEffect:
			st.ended = true
		case flows.ErrorEffect:
			if !ev.Host && !st.failed {
				st.failed = true
				st.events = append(st.events, recordedEvent{typ: "error"})
			}
		case flows.Undelivered:
			t := e.Ticket
			if r.cfg.Live {
				// The helpdesk created it; 'baton test' runs the dry run,
				// whose ticket has the connector's canned id.
				t.ID = ""
			}
			st.events = append(st.events, recordedEvent{typ: "undelivered", ticket: t})
		}
	}
	st.state = s.State
	if r.starts[last].IsZero() && !s.CreatedAt.IsZero() {
		// The first turn: the conversation started its waits before.
		start := s.CreatedAt
		for _, prev := range r.convs[last] {
			if d, err := time.ParseDuration(prev.value); prev.kind == StepWait && err == nil {
				start = start.Add(-d)
			}
		}
		r.starts[last] = start
	}
	r.convs[last] = append(r.convs[last], st)
}

// Write writes the test file: a new file in the same directory, renamed
// over the old one, so a test file is never left half written (`baton
// chat --record` writes it after every step).
func (r *Recording) Write() error {
	b, err := r.Encode()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(r.path), "."+filepath.Base(r.path)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), r.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// Rerecord records the finished conversations again on cfg (a reloaded
// flow), each in a sandbox of its own as 'baton test' runs them (from the
// time it started, on a fixed clock, its events not written again), and
// empties the one under way, which the caller replays and Adds.
func (r *Recording) Rerecord(ctx context.Context, cfg Config) error {
	r.cfg = cfg
	old, starts := r.convs, r.starts
	r.convs, r.starts = [][]recordedStep{nil}, []time.Time{{}}
	for i, conv := range old[:len(old)-1] {
		if len(conv) == 0 {
			continue
		}
		c := cfg
		c.Fixed, c.Recorder = true, nil
		if !starts[i].IsZero() {
			c.Now = starts[i]
		}
		sb, err := New(c)
		if err != nil {
			return err
		}
		for _, st := range conv {
			r.AddAfter(st.after, st.kind, st.value, RunAfter(ctx, sb, st.after, st.kind, st.value), sb.Session())
		}
		r.NewConversation()
	}
	return nil
}

// RunAfter runs a step before which the time after passes: the clock
// moves by it first, the timers due by then firing in the step, as a
// test step with after: runs.
func RunAfter(ctx context.Context, sb *Sandbox, after time.Duration, kind, value string) *Step {
	if after <= 0 {
		return sb.Run(ctx, kind, value)
	}
	res := sb.Wait(ctx, after)
	in := sb.Run(ctx, kind, value)
	res.Events = append(res.Events, in.Events...)
	res.Problems = append(res.Problems, in.Problems...)
	return res
}

// Encode returns the test file.
func (r *Recording) Encode() ([]byte, error) {
	root := ymap()
	by := r.By
	if by == "" {
		by = "baton chat --record"
	}
	root.HeadComment = "Recorded with '" + by + "'; run it with 'baton test'.\nEdit the expectations freely: see docs/testing.md."
	yset(root, "flow", ystr(r.relative(r.flowPath)))
	if d := r.cfg.Deployment; d != nil && d.All != nil && d.All.Source != "" {
		// The routing, the customer's messages about it and the requests
		// are the config's: the test needs it to pass.
		yset(root, "config", ystr(r.relative(d.All.Source)))
	}
	yset(root, "lang", ystr(r.cfg.Lang))
	now := r.cfg.Now
	for i, steps := range r.convs {
		if len(steps) > 0 {
			now = r.start(i, now)
			break
		}
	}
	yset(root, "now", ystr(r.formatTime(now)))
	yset(root, "channel", ystr(r.cfg.Channel))
	user := ymap()
	user.Style = yaml.FlowStyle
	yset(user, "id", ystr(r.cfg.Contact.ID))
	if r.cfg.Contact.Name != "" {
		yset(user, "name", ystr(r.cfg.Contact.Name))
	}
	if r.cfg.Contact.Phone != "" {
		yset(user, "phone", ystr(r.cfg.Contact.Phone))
	}
	if r.cfg.Contact.Email != "" {
		yset(user, "email", ystr(r.cfg.Contact.Email))
	}
	if len(r.cfg.Contact.Meta) > 0 { // vip, plan...: routing and flows read them
		meta := ymap()
		for _, k := range slices.Sorted(maps.Keys(r.cfg.Contact.Meta)) {
			yset(meta, k, ystr(r.cfg.Contact.Meta[k]))
		}
		yset(user, "meta", meta)
	}
	yset(root, "user", user)
	if len(r.cfg.Vars) > 0 {
		vars := &yaml.Node{}
		if err := vars.Encode(r.cfg.Vars); err != nil {
			return nil, err
		}
		vars.Style = yaml.FlowStyle
		yset(root, "vars", vars)
	}
	convs := &yaml.Node{Kind: yaml.SequenceNode}
	n := 0
	for i, steps := range r.convs {
		if len(steps) == 0 {
			continue
		}
		n++
		c := ymap()
		yset(c, "name", ystr("conversation "+strconv.Itoa(n)))
		if start := r.start(i, now); !start.Equal(now) {
			yset(c, "now", ystr(r.formatTime(start)))
		}
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, st := range steps {
			seq.Content = append(seq.Content, st.node())
		}
		yset(c, "steps", seq)
		convs.Content = append(convs.Content, c)
	}
	yset(root, "conversations", convs)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("encoding YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return unescapeAstral(buf.Bytes()), nil
}

// start is when conversation i started, def when unknown (no turn yet).
func (r *Recording) start(i int, def time.Time) time.Time {
	if r.starts[i].IsZero() {
		return def
	}
	return r.starts[i]
}

// formatTime writes t as a test file's now: in the setup's time zone, to
// the nanosecond when it is not a whole second (a conversation recorded
// on the real clock).
func (r *Recording) formatTime(t time.Time) string {
	if t.Equal(r.cfg.Now) {
		t = r.cfg.Now
	} else if loc := r.cfg.Now.Location(); loc != nil {
		t = t.In(loc)
	}
	return t.Format(time.RFC3339Nano)
}

// relative writes file relative to the test file's directory, as test
// files name their flow and config.
func (r *Recording) relative(file string) string {
	absFile, err := filepath.Abs(r.path)
	if err != nil {
		return file
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return file
	}
	rel, err := filepath.Rel(filepath.Dir(absFile), abs)
	if err != nil {
		return file
	}
	return filepath.ToSlash(rel)
}

// unescapeAstral writes emoji as themselves, as a designer would: "👋"
// rather than the "\U0001F44B" escape the YAML encoder uses beyond the BMP.
// Both mean the same inside the double-quoted scalars where the encoder
// writes such escapes; an escaped backslash ("\\") is left alone.
func unescapeAstral(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			out = append(out, b[i])
			continue
		}
		if i+9 < len(b) && b[i+1] == 'U' {
			if r, err := strconv.ParseUint(string(b[i+2:i+10]), 16, 32); err == nil && utf8.ValidRune(rune(r)) {
				out = utf8.AppendRune(out, rune(r))
				i += 9
				continue
			}
		}
		if i+1 < len(b) { // any other escape pair stays as it is
			out = append(out, b[i], b[i+1])
			i++
			continue
		}
		out = append(out, b[i])
	}
	return out
}

func (st recordedStep) node() *yaml.Node {
	m := ymap()
	if st.kind == StepClose {
		yset(m, st.kind, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	} else {
		yset(m, st.kind, ystr(st.value))
	}
	if st.after > 0 {
		yset(m, "after", ystr(FormatDuration(st.after)))
	}
	switch len(st.replies) {
	case 1:
		yset(m, "bot", ystr(st.replies[0]))
	default:
		yset(m, "bot", ystrs(st.replies, len(st.replies) == 0))
	}
	if len(st.options) > 0 {
		yset(m, "options", ystrs(st.options, true))
	}
	if st.state != "" {
		yset(m, "state", ystr(st.state))
	}
	if h := st.handoff; h != nil {
		hm := ymap()
		hm.Style = yaml.FlowStyle
		yset(hm, "reason", ystr(h.Reason))
		if h.Team != "" {
			yset(hm, "team", ystr(h.Team))
		}
		yset(hm, "priority", ystr(string(h.Priority)))
		if len(h.Tags) > 0 {
			yset(hm, "tags", ystrs(h.Tags, true))
		}
		yset(m, "handoff", hm)
	}
	if st.lifecycle != "" {
		yset(m, "lifecycle", ystr(string(st.lifecycle)))
	}
	if st.ended {
		yset(m, "ended", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	if len(st.events) > 0 {
		evs := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, e := range st.events {
			ev := ymap()
			ev.Style = yaml.FlowStyle
			yset(ev, "type", ystr(e.typ))
			if t := e.ticket; t.Connector != "" || t.ID != "" {
				tm := ymap()
				tm.Style = yaml.FlowStyle
				if t.Connector != "" {
					yset(tm, "connector", ystr(t.Connector))
				}
				if t.ID != "" {
					yset(tm, "id", ystr(t.ID))
				}
				yset(ev, "ticket", tm)
			}
			evs.Content = append(evs.Content, ev)
		}
		yset(m, "events", evs)
	}
	return m
}

func ymap() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

// ystr is a text; bytes that are not UTF-8 (an HTTP body's, a terminal's)
// become U+FFFD, as YAML cannot hold them.
func ystr(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.ToValidUTF8(s, "\uFFFD")}
	if bytes.ContainsRune([]byte(s), '\n') {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func ystrs(list []string, flow bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	if flow {
		n.Style = yaml.FlowStyle
	}
	for _, s := range list {
		n.Content = append(n.Content, ystr(s))
	}
	return n
}

func yset(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}
