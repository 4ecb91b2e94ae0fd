package studio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/entity"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/nlu"
	"github.com/batonbot/baton/sandbox"
)

// Options configure a Studio.
type Options struct {
	// Flow is the flow file; Config an optional deployment config
	// (baton.yaml): handoffs are routed by it and its connectors show the
	// requests they would send.
	Flow   string
	Config string
	// Getenv reads the environment for the config's ${NAME} references
	// (unset ones are placeholders: nothing is sent).
	Getenv func(string) string
	// Now is the clock when the first conversation starts (default: the
	// time, to the minute).
	Now time.Time
	// Lang and Channel start the conversation (default: the flow's first
	// language, WhatsApp).
	Lang    string
	Channel string
	// Profile is the customer (default: sandbox.DefaultContact of the
	// language, as baton chat and baton test: Anna, +390000000000 in
	// Italian).
	Profile *Profile
	// Vars override the flow's initial variables.
	Vars map[string]any
	// Tests is the directory "save as test" writes to (default: a tests
	// directory beside the flow's directory when there is one, else the
	// flow's directory).
	Tests string
	// Logger logs reloads and refused requests (default: discard).
	Logger *slog.Logger
}

// Profile is the customer the sandbox plays.
type Profile struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	VIP   bool   `json:"vip"`
	Plan  string `json:"plan"`
}

// Setup is what a conversation starts with; changing it replays the
// conversation's steps.
type Setup struct {
	Lang    string    `json:"lang"`
	Channel string    `json:"channel"`
	Start   time.Time `json:"start"`
	Profile Profile   `json:"profile"`
}

// Channels the page renders.
var Channels = []string{flows.ChannelWhatsApp, flows.ChannelTelegram, flows.ChannelWeb}

// Studio is one sandbox conversation and the flow it runs. It is safe for
// concurrent use: requests are served one at a time.
type Studio struct {
	o   Options
	log *slog.Logger

	mu   sync.Mutex
	flow *flows.Flow
	rev  int // bumped when a new flow is loaded
	// texts are the flow's files as they were when it was loaded: a
	// state's YAML is shown from the version serving, also after a reload
	// is refused.
	texts   map[string][]byte
	diags   dsl.Diagnostics
	dep     *sandbox.Deployment
	depErr  string
	setup   Setup
	steps   []input
	conv    *conversation
	version int64
	notice  string

	analyzer flows.Analyzer
	entities flows.EntityExtractor
	preview  *preview

	subMu sync.Mutex
	subs  map[chan int64]struct{}
	// closed ends the pages' event streams (Close).
	closed    chan struct{}
	closeOnce sync.Once
}

// input is one step of the conversation as the page took it: a test file's
// step kind and value, and the label shown (a button's title).
type input struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
}

// New loads the flow (and config) and starts the first conversation. A
// flow with errors is an error: there is nothing to run yet.
func New(o Options) (*Studio, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	p, err := newPreview()
	if err != nil {
		return nil, err
	}
	if !o.Now.IsZero() {
		if err := CheckTime(o.Now); err != nil {
			return nil, err
		}
	}
	s := &Studio{o: o, log: o.Logger, preview: p, entities: entity.New(), subs: map[chan int64]struct{}{}, closed: make(chan struct{})}
	f, diags := dsl.LoadFile(o.Flow)
	if diags.HasErrors() || f == nil {
		return nil, diags.Err()
	}
	if err := s.useFlow(f, diags); err != nil {
		return nil, err
	}
	if o.Config != "" {
		dep, err := sandbox.LoadDeployment(o.Config, o.Getenv, false)
		if err != nil {
			return nil, err
		}
		s.dep = dep
	}
	s.setup = Setup{Lang: o.Lang, Channel: o.Channel, Start: o.Now}
	if s.setup.Lang == "" {
		s.setup.Lang = f.DefaultLanguage()
	}
	// The customer baton chat and baton test play too.
	c := sandbox.DefaultContact(s.setup.Lang)
	s.setup.Profile = Profile{Name: c.Name, Phone: c.Phone}
	if o.Profile != nil {
		s.setup.Profile = *o.Profile
	} else {
		// --var vip= and plan= say who the customer is: the profile, which
		// sets those variables (sandboxConfig), starts so.
		if v, ok := o.Vars["vip"].(bool); ok {
			s.setup.Profile.VIP = v
		}
		if v, ok := o.Vars["plan"].(string); ok {
			s.setup.Profile.Plan = v
		}
	}
	if s.setup.Channel == "" {
		s.setup.Channel = flows.ChannelWhatsApp
	}
	if s.setup.Lang == "" {
		s.setup.Lang = f.DefaultLanguage()
	}
	if s.setup.Start.IsZero() {
		s.setup.Start = time.Now().In(s.location()).Truncate(time.Minute)
	}
	if err := s.replay(context.Background()); err != nil {
		return nil, err
	}
	return s, nil
}

// useFlow makes f the flow conversations run, with its analyser.
func (s *Studio) useFlow(f *flows.Flow, diags dsl.Diagnostics) error {
	a, err := nlu.FromFlow(f.NLU)
	if err != nil {
		return fmt.Errorf("training the NLU of %s: %w", s.o.Flow, err)
	}
	s.flow, s.diags, s.analyzer = f, diags, a
	s.texts = map[string][]byte{}
	for _, name := range f.Files {
		if b, err := os.ReadFile(name); err == nil {
			s.texts[name] = b
		}
	}
	s.rev++
	return nil
}

// location is the flow's time zone (its default business hours'), else
// the machine's.
func (s *Studio) location() *time.Location {
	if s.flow != nil && s.flow.Location != nil {
		return s.flow.Location
	}
	if h := s.flow.Hours["default"]; h != nil && h.Location != nil {
		return h.Location
	}
	return time.Local
}

// sandboxConfig is the sandbox setup for the current flow and setup.
func (s *Studio) sandboxConfig() sandbox.Config {
	p := s.setup.Profile
	contact := flows.Contact{ID: "sandbox-customer", Name: p.Name, Phone: p.Phone}
	if id := strings.TrimPrefix(strings.ReplaceAll(p.Phone, " ", ""), "+"); id != "" {
		contact.ID = id
	}
	contact.Meta = map[string]string{"vip": fmt.Sprint(p.VIP)}
	if p.Plan != "" {
		contact.Meta["plan"] = p.Plan
	}
	vars := maps.Clone(s.o.Vars)
	if vars == nil {
		vars = map[string]any{}
	}
	// A variable the flow no longer declares, or now declares with another
	// type (a reload changed it), is left out: baton test refuses a test
	// file that sets it.
	maps.DeleteFunc(vars, func(k string, v any) bool {
		_, ok := s.flow.Vars[k]
		return !ok || sandbox.VarTypeError(s.flow, k, v) != nil
	})
	// Flows that keep the profile in variables get it there too, when
	// they declare them as the profile has them (true or false, a text):
	// a flow's vip: "no" keeps its own (or --var's) value, which baton
	// test accepts in a saved test file, and the profile's VIP is in the
	// contact's meta.
	if _, ok := s.flow.Vars["vip"]; ok && sandbox.VarTypeError(s.flow, "vip", p.VIP) == nil {
		vars["vip"] = p.VIP
	}
	if _, ok := s.flow.Vars["plan"]; ok && p.Plan != "" && sandbox.VarTypeError(s.flow, "plan", p.Plan) == nil {
		vars["plan"] = p.Plan
	}
	if len(vars) == 0 {
		vars = nil
	}
	return sandbox.Config{
		Flow:       s.flow,
		Lang:       s.setup.Lang,
		Channel:    s.setup.Channel,
		Contact:    contact,
		Vars:       vars,
		Now:        s.setup.Start,
		Fixed:      true,
		IDPrefix:   "test", // as `baton test` runs it: a saved test sees the same ids
		Deployment: s.dep,
		Analyzer:   s.analyzer,
	}
}

// replay starts the conversation over on the current flow and setup and
// takes its steps again.
func (s *Studio) replay(ctx context.Context) error {
	c, err := s.newConversation()
	if err != nil {
		return err
	}
	for _, in := range s.steps {
		c.apply(ctx, in)
	}
	s.conv = c
	return nil
}

// do takes a new step. A tap on a button a channel sent as an option's
// token (an id too long for its buttons) is kept as a tap on the option's
// id, so a test saved from the conversation names the id.
func (s *Studio) do(ctx context.Context, in input) {
	if in.Kind == sandbox.StepButton && flows.IsOptionToken(in.Value) {
		menu := s.conv.sb.Menu()
		if !slices.ContainsFunc(menu, func(o flows.ReplyOption) bool { return o.ID == in.Value }) {
			for _, o := range menu {
				if flows.OptionToken(o.ID) == in.Value {
					in.Value = o.ID
					break
				}
			}
		}
	}
	s.steps = append(s.steps, in)
	s.conv.apply(ctx, in)
}

// reset forgets the conversation: the next message starts a new one.
func (s *Studio) reset(ctx context.Context) error {
	s.steps = nil
	return s.replay(ctx)
}

// reload loads the flow (and config) files again. A flow with errors is
// kept out, its diagnostics shown; a good one replays the conversation.
func (s *Studio) reload(ctx context.Context) {
	f, diags := dsl.LoadFile(s.o.Flow)
	if diags.HasErrors() || f == nil {
		s.diags = diags
		s.notice = fmt.Sprintf("%s has %s: the conversation goes on with the version loaded before; fix them and save again", s.o.Flow, countErrors(diags))
		s.log.Warn("the flow has errors; keeping the version loaded before", "flow", s.o.Flow, "errors", diags.Err())
		return
	}
	if err := s.useFlow(f, diags); err != nil {
		s.notice = err.Error()
		return
	}
	// What the new version no longer has: the conversation's language
	// (it goes on in the flow's first) and variables set with --var
	// (left out, sandboxConfig).
	var gone []string
	if len(f.Languages) > 0 && !slices.Contains(f.Languages, s.setup.Lang) {
		gone = append(gone, fmt.Sprintf("the language %q (the conversation is in %s now)", s.setup.Lang, f.DefaultLanguage()))
		s.setup.Lang = f.DefaultLanguage()
	}
	for _, k := range slices.Sorted(maps.Keys(s.o.Vars)) {
		if _, ok := f.Vars[k]; !ok {
			gone = append(gone, fmt.Sprintf("the variable %q set with --var (left out)", k))
		} else if err := sandbox.VarTypeError(f, k, s.o.Vars[k]); err != nil {
			gone = append(gone, fmt.Sprintf("the variable %q set with --var as it was (%v; left out)", k, err))
		}
	}
	s.depErr = ""
	if s.o.Config != "" {
		dep, err := sandbox.LoadDeployment(s.o.Config, s.o.Getenv, false)
		if err != nil {
			s.depErr = err.Error()
		} else {
			s.dep = dep
		}
	}
	if err := s.replay(ctx); err != nil {
		s.notice = err.Error()
		return
	}
	s.notice = fmt.Sprintf("reloaded %s", s.o.Flow)
	if f.Version != "" {
		s.notice += " (version " + f.Version + ")"
	}
	if n := len(s.steps); n > 0 {
		s.notice += fmt.Sprintf(": the conversation's %s replayed on it", flows.Plural(n, "step"))
	}
	if len(gone) > 0 {
		s.notice += "; it no longer has " + strings.Join(gone, ", ")
	}
	if s.depErr != "" {
		s.notice += "; the config has errors, the one loaded before still routes"
	}
	s.log.Info("reloaded the flow", "flow", s.o.Flow, "steps", len(s.steps))
}

func countErrors(d dsl.Diagnostics) string {
	n, _ := d.Count()
	return flows.Plural(n, "error")
}

// files are the files whose change reloads the flow: the flow, what it
// includes, where the errors of a refused reload are (a file the flow
// now includes is not among the loaded version's files) and the config.
func (s *Studio) files() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string{s.o.Flow}, s.flow.Files...)
	out = append(out, s.diags.Files()...)
	if s.o.Config != "" {
		out = append(out, s.o.Config)
	}
	return out
}

// testsDir is where "save as test" writes.
func (s *Studio) testsDir() string {
	if s.o.Tests != "" {
		return s.o.Tests
	}
	dir := filepath.Dir(s.o.Flow)
	if sib := filepath.Join(filepath.Dir(dir), "tests"); isDir(sib) {
		return sib
	}
	return dir
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// errBackwards refuses a clock set before the conversation's time.
var errBackwards = errors.New("the clock only moves forward during a conversation: reset to start at an earlier time")

// The years the clock keeps to: a time JSON cannot hold (after 9999 in
// the flow's zone, or a timer's) would leave the page without its state.
const minYear, maxYear = 1900, 9000

// CheckTime refuses a clock time outside the years the sandbox keeps to.
func CheckTime(t time.Time) error {
	if y := t.Year(); y < minYear || y > maxYear {
		return fmt.Errorf("%s is in the year %d: set the clock between the years %d and %d", t.Format(time.RFC3339), y, minYear, maxYear)
	}
	return nil
}

// setClock moves the clock to t: before the first step it is the start of
// the conversation; after, a wait (timers due by t fire).
func (s *Studio) setClock(ctx context.Context, t time.Time) error {
	if err := CheckTime(t); err != nil {
		return err
	}
	if len(s.steps) == 0 {
		s.setup.Start = t
		return s.replay(ctx)
	}
	now := s.conv.sb.Now()
	d := t.Sub(now).Truncate(time.Second)
	if d < 0 {
		return errBackwards
	}
	if d == 0 {
		return nil
	}
	s.do(ctx, input{Kind: sandbox.StepWait, Value: sandbox.FormatDuration(d)})
	return nil
}

// traced runs f under a trace of the turns it takes.
func traced(ctx context.Context, f func(ctx context.Context)) []engine.TurnTrace {
	tr := &engine.Trace{}
	f(engine.WithTrace(ctx, tr))
	return tr.Turns
}
