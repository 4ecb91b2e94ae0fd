package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/host"
	"github.com/batonbot/baton/studio"
)

var sandboxCmd = &command{
	name:    "sandbox",
	usage:   "sandbox FLOW [--config baton.yaml] [--listen ADDR]",
	summary: "the web sandbox: talk to a flow in the browser and see what it does",
}

func init() {
	sandboxCmd.run = runSandbox
	register(sandboxCmd)
}

const sandboxAbout = `
Serves the web sandbox on 127.0.0.1:8081 (or --listen): open it in a
browser. The chat shows the conversation as the channel renders it
(WhatsApp, Telegram or the web chat: switch above it), beside the flow's
graph with the current state and the path taken (click a state for its
YAML), an inspector for every step (NLU signals, the triggers and routes
checked, variables, lifecycle, effects), the handoffs with every request
each helpdesk connector would send (with --config), a clock that fires
timeouts, the customer's profile, the agent's reply and solve, and "save
as test", which writes a 'baton test' file of the conversation.

Nothing leaves the machine: HTTP actions are answered by the flow's
sandbox: responses, the helpdesk connectors build their requests without
sending them. Saving the flow file (or one it includes, or the config)
reloads it, and so does SIGHUP: the conversation is replayed on the new
version, or the page shows its errors and keeps the version before.
docs/sandbox.md says more.

Exit status: 0 after Ctrl-C, 1 when the flow or the config has errors, 2
for usage errors (a flow or config that does not exist too), 3 when the
address cannot be served.`

func runSandbox(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(sandboxCmd, sandboxAbout, e.stderr)
	cfg := fs.String("config", "", "the deployment config (`baton.yaml`): route handoffs by it and show the requests its connectors would send")
	listen := fs.String("listen", "127.0.0.1:8081", "serve on this `address` (host:port)")
	nowText := fs.String("now", "", "start the clock at this RFC 3339 `time` (default: now)")
	lang := fs.String("lang", "", "the customer's `language` (one of the flow's; default its first)")
	channel := fs.String("channel", flows.ChannelWhatsApp, "the `channel`: whatsapp, telegram or web")
	tests := fs.String("tests", "", "the `directory` \"save as test\" writes to (default: tests/ beside the flow's directory, else the flow's)")
	watch := fs.Bool("watch", true, "reload the flow when its files change (SIGHUP reloads it either way)")
	var vars listFlag
	fs.Var(&vars, "var", "set a variable, `name=value` (JSON when valid, else a string); repeatable")
	pos, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	// The signals are taken from the start: loading the flow and the
	// config takes seconds on a busy machine, and a SIGTERM (or a SIGHUP)
	// then must not kill the process with the signal's status. A SIGTERM
	// while starting makes Serve stop at once (exit 0).
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	hup := hangups()
	defer signal.Stop(hup)
	flow, ok := oneFlowFile(e, sandboxCmd, pos)
	if !ok {
		return exitUsage
	}
	if *cfg != "" {
		if msg := pathProblem("config", *cfg); msg != "" {
			return usageError(e, sandboxCmd, "%s", msg)
		}
	}
	if *tests != "" {
		if fi, err := os.Stat(*tests); err != nil || !fi.IsDir() {
			return usageError(e, sandboxCmd, "--tests %s: not a directory", *tests)
		}
	}
	if code, bad := missingPaths(e, sandboxCmd, pos...); bad {
		return code
	}
	var now time.Time
	if *nowText != "" {
		t, err := time.Parse(time.RFC3339, *nowText)
		if err != nil {
			return usageError(e, sandboxCmd, "--now %q is not an RFC 3339 time; write it like 2026-03-03T10:30:00+01:00", *nowText)
		}
		if err := studio.CheckTime(t); err != nil {
			return usageError(e, sandboxCmd, "--now %v", err)
		}
		now = t
	}
	if !slices.Contains(studio.Channels, *channel) {
		return usageError(e, sandboxCmd, "--channel %q: use %s", *channel, strings.Join(studio.Channels, ", "))
	}
	f := loadFlow(e.stderr, flow, true)
	if f == nil {
		return exitFailed
	}
	if *lang != "" && !slices.Contains(f.Languages, *lang) {
		return usageError(e, sandboxCmd, "--lang %q: the flow speaks %s%s", *lang, strings.Join(f.Languages, ", "), langHint(*lang, f.Languages))
	}
	vs, err := parseVars(f, vars)
	if err != nil {
		return usageError(e, sandboxCmd, "%v", err)
	}
	log := host.NewLogger(e.stderr, slog.LevelInfo, true)
	st, err := studio.New(studio.Options{Flow: flow, Config: *cfg, Getenv: e.getenv, Now: now, Lang: *lang, Channel: *channel, Vars: vs, Tests: *tests, Logger: log})
	if err != nil {
		fmt.Fprintf(e.stderr, "baton sandbox: %v\n", err)
		return exitFailed
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton sandbox: %v; pick another address with --listen\n", err)
		return exitRuntime
	}
	if *watch {
		// Watched before the address is given: a flow saved from then on
		// is seen.
		st.StartWatch(ctx)
	}
	fmt.Fprintf(e.stderr, "baton sandbox: open http://%s/ in a browser to talk to %s (Ctrl-C stops).\n", l.Addr(), flow)
	go reloadOnHangup(ctx, hup, func() {
		st.Reload(ctx) // logged, and shown on the page
	})
	if err := st.Serve(ctx, l, false); err != nil { // watched above
		fmt.Fprintf(e.stderr, "baton sandbox: %v\n", err)
		return exitRuntime
	}
	return exitOK
}
