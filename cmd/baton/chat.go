package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/sandbox"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

var chatCmd = &command{
	name:    "chat",
	usage:   "chat [options] FLOW",
	summary: "talk to a flow in the terminal (the sandbox)",
}

func init() {
	chatCmd.run = runChat
	register(chatCmd)
}

const chatAbout = `
The sandbox: talk to a flow in the terminal and see its replies, menus,
state changes, triggers, HTTP calls (answered by the flow's sandbox:
responses; nothing leaves the machine) and the full handoff that would be
sent to the helpdesk. The customer writes first.

Commands inside the chat:
` + chatHelp + `
With --config baton.yaml, each handoff is routed by the deployment config
(team, agent, priority, SLA) and every request each configured helpdesk
connector would send is shown (secrets redacted; unset secrets are fine).
With --config and --live the conversation runs on the live host, as
'baton serve' runs it: the helpdesks are called for real, through an outbox
kept in --store ('baton handoff list|retry' inspects it), HTTP actions are
made for real (${NAME} secrets from the environment), the config's LLM
analyses and summarises, and conversation, contact and handoff ids are
globally unique.

With --json, user lines (and the commands) are read from stdin and every
event is written to stdout as one JSON object per line (see README.md).

Exit status: 0 at the end of input, 1 when the flow has errors, 2 for usage
errors.`

const chatHelp = `  /wait DURATION      let time pass (10m, 24h): due timeouts fire
  /agent TEXT         the human agent answers (after a handoff)
  /ticket STATUS      the ticket becomes open, pending, solved or closed
  /close              the customer closes the conversation (an open ticket is closed)
  /button ID          tap the button or list row with this id
  /state              show the state, lifecycle and no-match count
  /vars               show the variables
  /reset              start a new conversation
  /quit               leave (Ctrl-D works too)
  /help               this list
  //TEXT              send a message that starts with "/"
`

// liveDeliverOptions are added to chat --live's helpdesk Deliverer; tests
// shorten the backoff and the poll interval with them.
var liveDeliverOptions []handoff.DeliverOption

// chatOptions is the parsed command line of `baton chat`.
type chatOptions struct {
	path    string
	json    bool
	record  string
	lang    string
	nowText string
	user    string
	phone   string
	channel string
	vars    listFlag
	config  string
	live    bool
	store   string
	drain   time.Duration
	events  eventsFlags
}

func runChat(ctx context.Context, e *env, args []string) int {
	var o chatOptions
	fs := newFlagSet(chatCmd, chatAbout, e.stderr)
	fs.BoolVar(&o.json, "json", false, "read lines from stdin and write one JSON event per line to stdout")
	fs.StringVar(&o.record, "record", "", "write the conversation to `FILE` as a test file for 'baton test'")
	fs.StringVar(&o.lang, "lang", "", "the conversation's `language` (one of the flow's; default its first)")
	fs.StringVar(&o.nowText, "now", "", "start the clock at this RFC 3339 `time`; it then moves only with /wait (default: the real clock)")
	fs.StringVar(&o.user, "user", "", "the customer's `name` (default: one of the conversation's language: Anna in Italian, Emma in English, Lucía in Spanish...)")
	fs.StringVar(&o.phone, "phone", "", "the customer's `phone` number (default: one of the language's country: +39..., +44..., +34...)")
	fs.StringVar(&o.channel, "channel", "sandbox", "the `channel` the flow sees: "+strings.Join(sandbox.Channels, ", "))
	fs.Var(&o.vars, "var", "set a variable, `name=value` (JSON when valid, else a string); repeatable")
	fs.StringVar(&o.config, "config", "", "the deployment config (`baton.yaml`): route handoffs and show the helpdesk requests each connector would send")
	fs.BoolVar(&o.live, "live", false, "with --config: call the configured helpdesks (and LLM) for real, through a persistent outbox")
	fs.StringVar(&o.store, "store", "", "with --live: keep sessions and the outbox in this store `file` (bbolt) (default: a new temporary file)")
	fs.DurationVar(&o.drain, "drain", 30*time.Second, "with --live: at the end of input, wait up to this `long` for pending deliveries")
	o.events.register(fs)
	pos, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	if len(pos) != 1 {
		if len(pos) == 0 {
			return usageError(e, chatCmd, "no flow file given")
		}
		return usageError(e, chatCmd, "one flow file at a time, got %d: %s", len(pos), strings.Join(pos, " "))
	}
	o.path = pos[0]
	if err := sandbox.CheckChannel(o.channel); err != nil {
		return usageError(e, chatCmd, "--channel: %v", err)
	}
	if code, bad := missingPaths(e, chatCmd, o.path); bad {
		return code
	}
	if o.config != "" {
		if msg := pathProblem("config", o.config); msg != "" {
			return usageError(e, chatCmd, "%s", msg)
		}
	}
	var now time.Time
	if o.nowText != "" {
		t, err := time.Parse(time.RFC3339, o.nowText)
		if err != nil {
			return usageError(e, chatCmd, "--now %q is not an RFC 3339 time; write it like 2026-03-03T10:30:00+01:00", o.nowText)
		}
		now = t
	}
	f := loadFlow(e.stderr, o.path, !o.json)
	if f == nil {
		return exitFailed
	}
	if o.lang != "" && !slices.Contains(f.Languages, o.lang) {
		return usageError(e, chatCmd, "--lang %q: the flow speaks %s", o.lang, strings.Join(f.Languages, ", "))
	}
	vars, err := parseVars(f, o.vars)
	if err != nil {
		return usageError(e, chatCmd, "%v", err)
	}
	if o.live && o.config == "" {
		return usageError(e, chatCmd, "--live needs --config FILE: the deployment config says which helpdesks to call")
	}
	if o.live && o.nowText != "" {
		return usageError(e, chatCmd, "--now is for the sandbox: with --live handoffs carry the real time, and the helpdesks see it")
	}
	if o.store != "" && !o.live {
		return usageError(e, chatCmd, "--store is for --live (the sandbox keeps nothing)")
	}
	var dep *sandbox.Deployment
	if o.config != "" {
		if dep, err = sandbox.LoadDeployment(o.config, e.getenv, o.live); err != nil {
			fmt.Fprintf(e.stderr, "baton chat: %v\n", err)
			return exitFailed
		}
	}
	contact := sandbox.DefaultContact(orDefault(o.lang, f.DefaultLanguage()))
	contact.ID = "sandbox-user"
	if o.user != "" {
		contact.Name = o.user
	}
	if o.phone != "" {
		contact.Phone = o.phone
	}
	cfg := sandbox.Config{
		Flow:       f,
		Lang:       o.lang,
		Channel:    o.channel,
		Contact:    contact,
		Vars:       vars,
		Now:        now,
		Fixed:      !now.IsZero(),
		Deployment: dep,
		Live:       o.live,
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now().Truncate(time.Second)
	}
	evs, err := o.events.open(e.stderr)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton chat: %v\n", err)
		return exitRuntime
	}
	defer evs.close()
	cfg.Recorder = evs.recorder("")
	var lv *sandbox.Live
	if o.live {
		if lv, err = sandbox.StartLive(&cfg, sandbox.LiveOptions{Store: o.store, Getenv: e.getenv, Notes: e.stderr, Deliver: liveDeliverOptions}); err != nil {
			fmt.Fprintf(e.stderr, "baton chat: %v\n", err)
			if errors.Is(err, sandbox.ErrSetup) {
				return exitFailed
			}
			return exitRuntime
		}
		defer lv.Stop()
	}
	if !o.live { // live, the host has the analyser and the summariser
		a, err := sandbox.NewAnalyzer(f)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton chat: %v\n", err)
			return exitRuntime
		}
		cfg.Analyzer = a
	}
	sb, err := sandbox.New(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton chat: %v\n", err)
		return exitRuntime
	}
	if dep != nil && !o.json {
		for _, name := range dep.Placeholders {
			fmt.Fprintf(e.stderr, "sandbox: %s is not set; it reads as a placeholder (nothing is sent)\n", name)
		}
	}
	var rec *sandbox.Recording
	if o.record != "" {
		rec = sandbox.NewRecording(o.record, o.path, sb)
	}
	if lv != nil {
		lv.Attach(sb)
	}
	if o.json {
		code = chatJSON(ctx, e, sb, rec)
	} else {
		code = chatText(ctx, e, sb, rec, o)
	}
	if lv != nil {
		if err := lv.Finish(ctx, o.drain); err != nil {
			fmt.Fprintf(e.stderr, "baton chat: %v\n", err)
			if code == exitOK {
				code = exitRuntime
			}
		}
	}
	if rec != nil && rec.Steps() == 0 {
		fmt.Fprintf(e.stderr, "nothing to record: %s was not written (the conversation had no steps)\n", o.record)
	} else if rec != nil {
		if err := rec.Write(); err != nil {
			fmt.Fprintf(e.stderr, "baton chat: writing the test file: %v\n", err)
			return exitRuntime
		}
		fmt.Fprintf(e.stderr, "recorded %s: run it with 'baton test %s'\n", plural(rec.Steps(), "step"), o.record)
	}
	return code
}

// parseVars parses --var name=value flags; values are JSON when valid,
// else strings. Every name must be a variable of the flow.
func parseVars(f *flows.Flow, list []string) (map[string]any, error) {
	out := map[string]any{}
	for _, kv := range list {
		name, val, ok := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("--var %q: write it as name=value", kv)
		}
		if _, declared := f.Vars[name]; !declared {
			return nil, unknownVarError(f, name)
		}
		out[name] = parseValue(val)
	}
	return out, nil
}

func unknownVarError(f *flows.Flow, name string) error {
	names := make([]string, 0, len(f.Vars))
	for n := range f.Vars {
		names = append(names, n)
	}
	slices.Sort(names)
	msg := fmt.Sprintf("unknown variable %q", name)
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	if len(names) == 0 {
		return errors.New(msg + " (the flow declares no variables)")
	}
	return fmt.Errorf("%s (the flow's variables: %s)", msg, strings.Join(names, ", "))
}

// parseValue reads s as JSON when it is valid JSON, else as a string.
func parseValue(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err == nil {
		return v
	}
	return s
}

// chatInput is one line of the chat, parsed.
type chatInput struct {
	cmd string // "" for a user message, else the command without "/"
	arg string
}

func parseChatLine(line string) chatInput {
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "//") {
		return chatInput{arg: line[1:]}
	}
	if !strings.HasPrefix(line, "/") {
		return chatInput{arg: line}
	}
	cmd, arg, _ := strings.Cut(line[1:], " ")
	return chatInput{cmd: strings.ToLower(cmd), arg: strings.TrimSpace(arg)}
}

var chatCommands = []string{"wait", "agent", "ticket", "close", "button", "state", "vars", "reset", "quit", "help"}

// chatStep runs one line against the sandbox. It returns the step's result
// (nil for commands that are not steps), a problem with the line (unknown
// command, bad argument) and whether the user asked to quit.
func chatStep(ctx context.Context, sb *sandbox.Sandbox, rec *sandbox.Recording, in chatInput) (res *sandbox.Step, problem string, quit bool) {
	var kind, value string
	switch in.cmd {
	case "":
		kind, value = sandbox.StepUser, in.arg
		res = sb.User(ctx, in.arg)
	case "button":
		if in.arg == "" {
			return nil, "/button needs the id of a button or list row, e.g. /button order", false
		}
		if err := sb.CheckButton(in.arg); err != nil {
			return nil, "/button: " + err.Error(), false
		}
		kind, value = sandbox.StepButton, in.arg
		res = sb.Button(ctx, in.arg)
	case "wait":
		d, err := time.ParseDuration(in.arg)
		if err != nil || d <= 0 {
			return nil, fmt.Sprintf("/wait needs a duration like 10m, 90s or 24h, not %q", in.arg), false
		}
		kind, value = sandbox.StepWait, sandbox.FormatDuration(d)
		res = sb.Wait(ctx, d)
	case "agent":
		if in.arg == "" {
			return nil, "/agent needs the agent's message, e.g. /agent Hi, I'm Marco", false
		}
		kind, value = sandbox.StepAgent, in.arg
		res = sb.Agent(ctx, in.arg)
	case "ticket":
		status := flows.TicketStatus(strings.ToLower(in.arg))
		switch status {
		case flows.TicketOpen, flows.TicketPending, flows.TicketSolved, flows.TicketClosed:
		default:
			return nil, fmt.Sprintf("/ticket needs open, pending, solved or closed, not %q", in.arg), false
		}
		kind, value = sandbox.StepTicket, string(status)
		res = sb.Ticket(ctx, status)
	case "close":
		kind, value = sandbox.StepClose, "true"
		res = sb.Do(ctx, flows.Input{Kind: flows.InputClose})
	case "reset":
		sb.Reset()
		if rec != nil {
			rec.NewConversation()
		}
		return nil, "", false
	case "quit", "exit":
		return nil, "", true
	case "state", "vars", "help":
		return nil, "", false
	default:
		msg := fmt.Sprintf("unknown command /%s", in.cmd)
		if s := suggest(in.cmd, chatCommands); s != "" {
			msg += fmt.Sprintf("; did you mean /%s?", s)
		}
		return nil, msg + " (/help lists them; start a message with // to send a text beginning with /)", false
	}
	if rec != nil {
		rec.Add(kind, value, res, sb.Session())
	}
	return res, "", false
}

// lineReader reads lines until EOF or until ctx is done.
type lineReader interface {
	ReadLine() (string, error)
}

// ctxLines reads lines from r in a goroutine so that an interrupt stops the
// chat even while it waits for input.
type ctxLines struct {
	ctx   context.Context
	lines chan lineOrErr
}

type lineOrErr struct {
	line string
	err  error
}

func newCtxLines(ctx context.Context, r lineReader) *ctxLines {
	c := &ctxLines{ctx: ctx, lines: make(chan lineOrErr)}
	go func() {
		for {
			l, err := r.ReadLine()
			select {
			case c.lines <- lineOrErr{l, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

func (c *ctxLines) ReadLine() (string, error) {
	select {
	case <-c.ctx.Done():
		return "", io.EOF
	case l := <-c.lines:
		return l.line, l.err
	}
}
