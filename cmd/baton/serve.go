package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/host"
	"github.com/batonbot/baton/studio"
)

var serveCmd = &command{
	name:    "serve",
	usage:   "serve FLOW [--listen ADDR] [--sandbox] | serve --config baton.yaml [--listen ADDR]",
	summary: "run flows for customers: channels' webhooks, the bridge, metrics",
}

func init() {
	serveCmd.run = runServe
	register(serveCmd)
}

const serveAbout = `
With a FLOW and no config: the web chat on 127.0.0.1:8080 (or --listen),
on the memory store, with no helpdesk and no HTTP calls: open it in a
browser. Handoffs are captured, not sent (the log, and GET /api/tickets
when listening on a loopback address: the tickets hold the transcripts);
HTTP actions are answered by the flow's sandbox: responses. On a loopback
address a request naming another host than localhost, 127.0.0.1, [::1]
or 0.0.0.0 is refused (421) but for the webhooks and the bridge: a config's
server.hosts adds names, such as a tunnel's (docs/serve.md).

With --config: the deployment: the channels' webhooks (GET/POST
/webhooks/whatsapp, POST /webhooks/telegram/{name}), the web chat (/ and
/api/...), the bridge helpdesks call back (POST /bridge/zendesk,
/bridge/freshdesk, /bridge/webhook), GET /metrics (Prometheus), /healthz
and /readyz. docs/serve.md and docs/channels.md say more.

An edited flow file (or one it includes) is reloaded by itself, and on
SIGHUP: new turns run the new version; a conversation waiting in a state
that is gone moves to the flow's on_reload state (else start). A flow that
no longer validates is refused, with its diagnostics in the log, and the
version already loaded keeps serving.

Logs are JSON on stderr, with message text, phone numbers and e-mail
addresses masked unless --log-text. SIGTERM (or Ctrl-C) stops accepting
requests, lets the turns under way finish, releases what was claimed and
exits 0.

Exit status: 0 after a clean shutdown, 1 when the config or a flow has
errors, 2 for usage errors (a flow or config file that does not exist
too), 3 when the server cannot start.`

func runServe(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(serveCmd, serveAbout, e.stderr)
	cfgPath := fs.String("config", "", "the deployment `config` (baton.yaml) with its server, store, channels and bridge sections")
	listen := fs.String("listen", "", "listen on this `address` (host:port), overriding server.listen")
	logText := fs.Bool("log-text", false, "log message text, phone numbers and e-mail addresses (masked by default)")
	debug := fs.Bool("debug", false, "log at debug level")
	watch := fs.Bool("watch", true, "reload a flow when its file changes (SIGHUP reloads them either way)")
	events := fs.String("events", "", "append analytics events to this JSONL `file`, overriding the config's events.file ('baton report FILE' reads it)")
	eventsText := fs.Bool("events-text", false, "with --events or the config's events: sinks: include message texts in the analytics events, as events.text: true does (default: sizes only)")
	page := fs.Bool("sandbox", false, "with a FLOW: also serve the web sandbox of the flow at /sandbox/ (docs/sandbox.md)")
	pos, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	// The signals are taken from the start: loading the config, the
	// flows and the NLU takes seconds on a busy machine, and a SIGTERM
	// (or a SIGHUP) then must not kill the process with the signal's
	// status. A SIGTERM while starting makes Serve stop at once (exit 0).
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	hup := hangups()
	defer signal.Stop(hup)
	if *page && *cfgPath != "" {
		return usageError(e, serveCmd, "--sandbox is for trying a flow: 'baton serve FLOW --sandbox', or 'baton sandbox FLOW --config %s' to see its routing", *cfgPath)
	}
	if *listen != "" {
		if _, port, err := net.SplitHostPort(*listen); err != nil || port == "" {
			return usageError(e, serveCmd, "--listen must be host:port such as 127.0.0.1:8080 or :8080, not %q", *listen)
		}
	}
	if *cfgPath != "" {
		if msg := pathProblem("config", *cfgPath); msg != "" {
			return usageError(e, serveCmd, "%s", msg)
		}
	}
	if code, bad := missingPaths(e, serveCmd, pos...); bad {
		return code
	}
	var (
		cfg      *config.Config
		cfgDiags dsl.Diagnostics // its warnings, logged once the logger is made
	)
	switch {
	case *cfgPath == "" && len(pos) == 0:
		return usageError(e, serveCmd, "give a flow file, or --config baton.yaml")
	case *cfgPath == "" && len(pos) > 1:
		return usageError(e, serveCmd, "one flow at a time without a config, got %d; list several in a config's channels", len(pos))
	case *cfgPath == "":
		cfg = config.ForFlow(pos[0])
	case len(pos) > 0:
		return usageError(e, serveCmd, "with --config the flows are named in the config's channels; drop %s", pos[0])
	default:
		cfg, cfgDiags = config.Load(*cfgPath, config.WithEnv(func(name string) (string, bool) {
			v := e.getenv(name)
			return v, v != ""
		}))
		if cfgDiags.HasErrors() {
			cfgDiags.Print(e.stderr)
			return exitFailed
		}
		if cfg.ServeErrors.HasErrors() { // as baton validate --config says them
			cfg.ServeErrors.Print(e.stderr)
			return exitFailed
		}
	}
	sandbox := *cfgPath == ""
	if *eventsText && *events == "" && !cfg.Events.Enabled() {
		if sandbox {
			return usageError(e, serveCmd, "--events-text includes the texts in the events, and no events are written: add --events FILE")
		}
		return usageError(e, serveCmd, "--events-text includes the texts in the events, and %s writes none: add --events FILE, or an events: section with a file, webhook or stream (docs/analytics.md)", *cfgPath)
	}
	if *listen != "" {
		cfg.Server.Listen = *listen
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := host.NewLogger(e.stderr, level, *logText)
	for _, d := range cfgDiags { // the warnings: an error stopped above
		log.Warn("the config: "+d.Summary, "at", d.Pos.String())
	}
	// The address is bound once the config and the flows are checked and
	// before the store is opened: an address another process holds (a
	// second baton serve of the same config) is said at once, and leaves
	// no bolt file behind nor waits for the first one's lock. From then on
	// /healthz and /readyz answer (200, 503) while the rest waits for the
	// server.
	var (
		l        net.Listener
		starting *host.Starting
	)
	bind := func() (err error) {
		if l, err = net.Listen("tcp", cfg.Server.Listen); err != nil {
			return listenError{cfg.Server.Listen, err}
		}
		starting = host.ServeStarting(l, log)
		return nil
	}
	srv, err := host.NewServer(cfg, host.ServerOptions{Logger: log, NoWatch: !*watch, Sandbox: sandbox, Getenv: e.getenv, Events: *events, EventsText: *eventsText, BeforeStore: bind})
	if err != nil {
		if starting != nil {
			starting.Close()
		}
		var le listenError
		switch {
		case errors.As(err, &le):
			fmt.Fprintf(e.stderr, "baton serve: %s\n", le.advice(sandbox))
			return exitRuntime
		case errors.Is(err, host.ErrStore):
			fmt.Fprintf(e.stderr, "baton serve: %v\n", err)
			return exitRuntime // something outside: the store
		}
		fmt.Fprintf(e.stderr, "baton serve: %v\n", err)
		return exitFailed
	}
	var st *studio.Studio
	if *page {
		if st, err = newStudio(studio.Options{Flow: pos[0], Getenv: e.getenv, Logger: log}); err != nil {
			// What was opened, in the reverse order: the events and
			// the store (NewServer's), then the address (the requests
			// waiting for the start are answered 503).
			if cerr := srv.Close(); cerr != nil {
				log.Warn("releasing the server", "error", cerr)
			}
			starting.Close()
			fmt.Fprintf(e.stderr, "baton serve: %v\n", err)
			return exitFailed
		}
		srv.Mount("/sandbox/", st.Handler())
		srv.OnShutdown(st.Close)
	}
	if st != nil && *watch {
		// The web sandbox's files are watched before it is announced
		// (and before "serving"): a flow saved from then on is seen.
		ready := make(chan struct{})
		go func() {
			if err := st.WatchReady(ctx, ready); err != nil {
				fmt.Fprintf(e.stderr, "baton serve: the web sandbox: %v; reload from its page instead\n", err)
			}
		}()
		<-ready
	}
	if sandbox {
		base := "http://" + browsable(l.Addr())
		captured := "at " + base + "/api/tickets and in the log"
		if !host.IsLoopback(cfg.Server.Listen) {
			captured = "in the log (not at /api/tickets, served on a loopback address only)"
		}
		fmt.Fprintf(e.stderr, "baton serve: %s is live: open %s/ in a browser to chat with it.\n"+
			"No helpdesk and nothing leaves this machine: handoffs are captured %s,\n"+
			"HTTP actions answered by the flow's sandbox: responses. Ctrl-C stops.\n", pos[0], base, captured)
		if st != nil {
			fmt.Fprintf(e.stderr, "baton serve: the web sandbox of %s is at %s/sandbox/\n", pos[0], base)
		}
	}
	go reloadOnHangup(ctx, hup, func() {
		_ = srv.Reload() // logged
		if st != nil {
			st.Reload(ctx) // the web sandbox's page too
		}
	})
	if err := srv.ServeOn(ctx, starting); err != nil {
		fmt.Fprintf(e.stderr, "baton serve: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// newStudio makes the web sandbox of baton serve --sandbox (tests make
// it fail).
var newStudio = studio.New

// listenError is the address serve could not listen on, and why.
type listenError struct {
	addr string
	err  error
}

func (e listenError) Error() string { return e.err.Error() }
func (e listenError) Unwrap() error { return e.err }

// advice says what failed and what to do.
func (e listenError) advice(sandbox bool) string {
	where := "--listen"
	if !sandbox {
		where = "--listen or the config's server.listen"
	}
	if errors.Is(e.err, syscall.EADDRINUSE) {
		return fmt.Sprintf("%s is in use by another process (a baton serve already running?): stop it, or pick another address with %s", e.addr, where)
	}
	return fmt.Sprintf("%v; pick another address with %s", e.err, where)
}

// browsable is the host:port of a listener a browser on this machine can
// open: listening on every address (0.0.0.0, ::), the loopback one.
func browsable(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok && ta.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(ta.Port))
	}
	return a.String()
}

// hangups takes SIGHUP from now on (signal.Stop gives it back): from the
// start, since loading takes seconds on a busy machine and a SIGHUP then
// must not kill the process. baton serve and baton sandbox reload on it.
func hangups() chan os.Signal {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	return hup
}

// reloadOnHangup calls reload on each SIGHUP hup gives until ctx ends.
func reloadOnHangup(ctx context.Context, hup <-chan os.Signal, reload func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			reload()
		}
	}
}
