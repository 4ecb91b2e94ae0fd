package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/chat"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/replay"
	"github.com/batonbot/baton/sandbox"
	"github.com/batonbot/baton/studio"
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
` + chat.Help + `
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
Lines read from a pipe without --json are echoed after "you> ".

With --record FILE, the conversation is written as a test file for 'baton
test', again after every step, so it is kept whatever happens to the chat.
An existing FILE is replaced only with --force (on a terminal the chat
asks); a FILE that cannot be written stops the chat before it starts.
Recorded, each conversation runs as 'baton test' will run it: as test-1,
from the time it starts (its now: in the file), so a sampled survey goes
the same way there and in 'baton replay'; with --events, their events are
scoped t1., t2.... as 'baton test --events' scopes them. Not recorded,
the sandbox's conversation is sandbox-1: appended to an --events file that
has events already, its ids are scoped chat@OFFSET. (where its events
start in the file), so two chats stay two conversations. On the real clock
(no --now), each step is written with the whole seconds that passed
before it (after:), so a timeout that fired while you took your time
fires in the test too.

With --watch, saving the flow (or a file it includes) reloads it: its
problems are shown without leaving the chat and, when it loads, the
conversation's steps are replayed on it, so the chat goes on where it was
with the new flow (and a --record file is recorded again from it).

Exit status:
  0  the input ended (or /quit)
  1  the flow or the deployment config has errors
  2  usage errors: a bad option, a flow or --config that does not exist,
     an unknown --channel, a --record file that exists (without --force)
     or whose directory does not exist
  3  when something outside fails: the --record file cannot be written
     (checked before the chat starts), the --events file, a --live store
     or helpdesk`

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
	force   bool
	watch   bool
	// handoffJSON shows each handoff's whole payload in the text chat.
	handoffJSON bool
}

func runChat(ctx context.Context, e *env, args []string) int {
	var o chatOptions
	fs := newFlagSet(chatCmd, chatAbout, e.stderr)
	fs.BoolVar(&o.json, "json", false, "read lines from stdin and write one JSON event per line to stdout")
	fs.StringVar(&o.record, "record", "", "write the conversation to `FILE` as a test file for 'baton test', step by step")
	fs.BoolVar(&o.force, "force", false, "with --record: replace the file if it exists")
	fs.BoolVar(&o.watch, "watch", false, "reload the flow when one of its files is saved, replaying the conversation on it")
	fs.BoolVar(&o.handoffJSON, "handoff-json", false, "show each handoff's whole payload as JSON (/handoff shows the last one)")
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
	var ok bool
	if o.path, ok = oneFlowFile(e, chatCmd, pos); !ok {
		return exitUsage
	}
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
		if err := studio.CheckTime(t); err != nil {
			return usageError(e, chatCmd, "--now %v", err)
		}
		now = t
	}
	f := loadFlow(e.stderr, o.path, !o.json)
	if f == nil {
		return exitFailed
	}
	if o.lang != "" && !slices.Contains(f.Languages, o.lang) {
		return usageError(e, chatCmd, "--lang %q: the flow speaks %s%s", o.lang, strings.Join(f.Languages, ", "), langHint(o.lang, f.Languages))
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
	drainSet := false
	fs.Visit(func(fl *flag.Flag) { drainSet = drainSet || fl.Name == "drain" })
	if drainSet && !o.live {
		return usageError(e, chatCmd, "--drain is for --live (the sandbox sends nothing to wait for)")
	}
	if o.watch && o.live {
		return usageError(e, chatCmd, "--watch replays the conversation on the reloaded flow, which with --live would call the helpdesks again; drop one of them")
	}
	if o.force && o.record == "" {
		return usageError(e, chatCmd, "--force is for --record FILE")
	}
	if msg := o.events.textAlone(); msg != "" {
		return usageError(e, chatCmd, "%s", msg)
	}
	if o.record != "" {
		if recInfo, err := os.Stat(o.record); err == nil {
			for _, p := range append(slices.Clip(f.Files), o.path, o.config) {
				if info, err := os.Stat(p); p != "" && err == nil && os.SameFile(info, recInfo) {
					what := "is a file of the flow"
					if p == o.config {
						what = "is the --config"
					}
					return usageError(e, chatCmd, "--record %s %s; record to another file, e.g. tests/recorded.yaml", o.record, what)
				}
			}
		}
		var ask func(string) bool
		if !o.json && isTerminal(e.stdin) && isTerminal(e.stderr) {
			ask = func(q string) bool { return askYes(e, q) }
		}
		if code, ok := prepareRecord(e, o.record, o.force, ask); !ok {
			return code
		}
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
	scope := ""
	if evs != nil && evs.prior > 0 && !o.live {
		// Every chat's conversation is sandbox-1: appended to events
		// already there, its ids are scoped apart, or a report would
		// read two chats as one conversation.
		scope = replay.ChatScope(evs.prior)
	}
	cfg.Recorder = evs.recorder(scope)
	var recorder func(n int) *analytics.Recorder
	if o.record != "" && !o.live {
		// Recorded, each conversation runs as 'baton test' will run the
		// file's: as test-1 (a sampled survey hashes the id), its events
		// scoped apart as 'baton test --events' scopes them.
		cfg.IDPrefix = "test"
		if evs != nil {
			cfg.Recorder = evs.recorder(replay.TestScope(1))
			recorder = func(n int) *analytics.Recorder { return evs.recorder(replay.TestScope(n)) }
		}
	}
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
	if dep != nil && !o.json {
		for _, name := range dep.Placeholders {
			fmt.Fprintf(e.stderr, "sandbox: %s is not set; it reads as a placeholder (nothing is sent)\n", name)
		}
	}
	var started func(*sandbox.Sandbox)
	if lv != nil {
		started = lv.Attach
	}
	res, err := chat.Run(ctx, chat.Options{Path: o.path, Config: cfg, JSON: o.json, Watch: o.watch, HandoffJSON: o.handoffJSON,
		Record: o.record, Recorder: recorder, Started: started, Stdin: e.stdin, Stdout: e.stdout, Stderr: e.stderr})
	if err != nil {
		fmt.Fprintf(e.stderr, "baton chat: %v\n", err)
		return exitRuntime
	}
	code = exitOK
	if res.InputFailed {
		code = exitRuntime
	}
	if lv != nil {
		if err := lv.Finish(ctx, o.drain); err != nil {
			fmt.Fprintf(e.stderr, "baton chat: %v\n", err)
			code = exitRuntime
		}
	}
	switch rec := res.Recording; {
	case rec == nil:
	case res.RecordErr != nil:
		fmt.Fprintf(e.stderr, "baton chat: %s was not recorded: %v\n", o.record, res.RecordErr)
		return exitRuntime
	case rec.Steps() == 0:
		fmt.Fprintf(e.stderr, "nothing to record: %s was not written (the conversation had no steps)\n", o.record)
	default:
		fmt.Fprintf(e.stderr, "recorded %s in %s: run it with 'baton test %s'\n", flows.Plural(rec.Steps(), "step"), o.record, o.record)
	}
	return code
}

// parseVars parses --var name=value flags; values are JSON when valid,
// else strings, and a text variable's is the text as written. Every name
// must be a variable of the flow, and the value of its declared type.
func parseVars(f *flows.Flow, list []string) (map[string]any, error) {
	out := map[string]any{}
	for _, kv := range list {
		name, val, ok := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("--var %q: write it as name=value", kv)
		}
		decl, declared := f.Vars[name]
		if !declared {
			return nil, sandbox.UnknownVarError(f, name)
		}
		if _, text := decl.(string); text {
			// A text variable takes the value as written (12345 is
			// "12345"), or the string it is in JSON ("A-123" is A-123).
			out[name] = val
			if s, ok := parseValue(val).(string); ok {
				out[name] = s
			}
			continue
		}
		out[name] = parseValue(val)
		if err := sandbox.VarTypeError(f, name, out[name]); err != nil {
			return nil, fmt.Errorf("--var %s: %v; write %s=VALUE with a value of that type", name, err, name)
		}
	}
	return out, nil
}

// parseValue reads s as JSON when it is valid JSON, else as a string.
func parseValue(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err == nil {
		return v
	}
	return s
}
