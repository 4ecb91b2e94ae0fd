package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/loadgen"
)

// `baton load` measures the engine as production runs it: many
// conversations at once through engine.Handle and one shared store (memory,
// bolt or valkey), replaying the inputs of conversation test files (HTTP calls
// answered by their canned responses, so nothing leaves the machine).

var loadCmd = &command{name: "load", usage: "load [options] TESTS...", summary: "measure turns per second by replaying conversation tests"}

func init() {
	loadCmd.run = runLoad
	register(loadCmd)
}

const loadAbout = `Replays the inputs of conversation test files (files or directories) as
many concurrent conversations through the engine and one store, and reports
turns per second, latency percentiles and allocations per turn. HTTP calls
get the tests' canned responses; nothing leaves the machine but the store's
traffic. Each conversation is deleted from the store when its script ends.
It stops by itself after --duration or --conversations.

--store picks the store: memory (default), bolt (a bbolt file: --store-path,
from which the run's handoffs are removed afterwards; default a temporary
one, removed afterwards) or valkey (--store-url, default
$BATON_VALKEY_URL, else redis://127.0.0.1:6379; the run's keys have a
prefix of their own, baton-load-..., and are removed afterwards).

--serve URL measures a running 'baton serve' instead, over HTTP: each
conversation is a customer of its web chat (URL is where the chat is, e.g.
http://127.0.0.1:8080) who opens the event stream and posts the test's
user and button messages one after the other, each once the replies to the
previous one arrived. Latency is from posting a message to its first
reply. How many replies each message gets is counted first, by running
every conversation once, slowly: each message waits for the replies its
test's bot: check states (up to 10s), then for a quiet time of twice the
longest a reply took so far (at least 300ms); give the tests of the flow
the server serves. The turns run in the server, which records their analytics
events ('baton serve --events FILE'): --events is refused with --serve.

Exit status: 0 when the run had no errors, 1 when a turn failed or a test
file or its flow has errors, 2 for usage errors (a file that does not exist
too), 3 when the store or the server cannot be reached.`

func runLoad(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(loadCmd, loadAbout, e.stderr)
	duration := fs.Duration("duration", 10*time.Second, "how long to run (at most 10m)")
	maxConvs := fs.Int("conversations", 0, "stop after this many conversations (0: run for --duration)")
	workers := fs.Int("concurrency", runtime.GOMAXPROCS(0), "conversations driven at once")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	var events eventsFlags
	events.register(fs)
	kind := fs.String("store", "memory", "the store: memory, bolt or valkey")
	storePath := fs.String("store-path", "", "with --store bolt: the store `file` (default a temporary one)")
	storeURL := fs.String("store-url", "", "with --store valkey: the server's `URL` (default $BATON_VALKEY_URL, else redis://127.0.0.1:6379)")
	serveURL := fs.String("serve", "", "drive a running 'baton serve' at this `URL` through its web chat instead (e.g. http://127.0.0.1:8080)")
	paths, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	if code, bad := missingPaths(e, loadCmd, paths...); bad {
		return code
	}
	switch {
	case len(paths) == 0:
		return usageError(e, loadCmd, "give conversation test files or directories")
	case *workers < 1:
		return usageError(e, loadCmd, "--concurrency must be at least 1")
	case *duration <= 0 || *duration > 10*time.Minute:
		return usageError(e, loadCmd, "--duration must be between 0 and 10m")
	case *maxConvs < 0:
		return usageError(e, loadCmd, "--conversations cannot be negative")
	case *kind != "memory" && *kind != "bolt" && *kind != "valkey":
		return usageError(e, loadCmd, "--store %q: use memory, bolt or valkey", *kind)
	case *storePath != "" && *kind != "bolt":
		return usageError(e, loadCmd, "--store-path is for --store bolt")
	case *storeURL != "" && *kind != "valkey":
		return usageError(e, loadCmd, "--store-url is for --store valkey")
	case events.textAlone() != "":
		return usageError(e, loadCmd, "%s", events.textAlone())
	}
	if *serveURL != "" {
		if *kind != "memory" || *storePath != "" || *storeURL != "" {
			return usageError(e, loadCmd, "--serve drives a running server, whose config names its store; drop --store")
		}
		if events.path != "" {
			return usageError(e, loadCmd, "--events records the turns run here, and with --serve they run in the server: record them there ('baton serve --events FILE', or events: in its config); drop --events")
		}
		return runLoadServe(ctx, e, *serveURL, paths, *workers, *duration, int64(*maxConvs), *asJSON)
	}
	evs, err := events.open(e.stderr)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton load: %v\n", err)
		return exitRuntime
	}
	defer evs.close()
	if evs != nil {
		// The scripts run on their tests' clock: a reply is stamped with
		// its input's time (a recorder clock of zero), not today's.
		evs.opts = append(evs.opts, analytics.WithRecorderClock(func() time.Time { return time.Time{} }))
	}
	scripts, problems := loadgen.EngineScripts(paths, evs.recorder(""))
	if code, ok := scriptsUsable(e, problems, len(scripts), paths); !ok {
		return code
	}
	if *kind == "valkey" && *storeURL == "" {
		*storeURL = orDefault(e.getenv("BATON_VALKEY_URL"), "redis://127.0.0.1:6379")
	}
	store, closeStore, err := loadgen.OpenStore(ctx, *kind, *storePath, *storeURL)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton load: %v\n", err)
		return exitRuntime
	}
	rep := loadgen.RunEngine(ctx, store, scripts, loadgen.EngineOptions{Concurrency: *workers, Duration: *duration, Conversations: int64(*maxConvs)})
	rep.Store = *kind
	if err := closeStore(); err != nil {
		fmt.Fprintf(e.stderr, "baton load: closing the store: %v\n", err)
	}
	if *asJSON {
		b, _ := json.Marshal(rep)
		fmt.Fprintln(e.stdout, string(b))
	} else {
		fmt.Fprintf(e.stdout, "baton load: %d scripted conversations, %d workers, %s store, %.1fs\n", len(scripts), rep.Workers, rep.Store, rep.Seconds)
		fmt.Fprintf(e.stdout, "conversations  %d\n", rep.Conversations)
		fmt.Fprintf(e.stdout, "turns          %d (%.0f turns/s)\n", rep.Turns, rep.TurnsPerSec)
		fmt.Fprintf(e.stdout, "latency        p50 %.1fµs  p95 %.1fµs  p99 %.1fµs  max %.1fµs\n", rep.P50, rep.P95, rep.P99, rep.Max)
		fmt.Fprintf(e.stdout, "per turn       %.0f allocs, %.0f bytes\n", rep.AllocsPerTurn, rep.BytesPerTurn)
		fmt.Fprintf(e.stdout, "errors         %d\n", rep.Errors)
		if rep.FirstError != "" {
			fmt.Fprintf(e.stdout, "first error    %s\n", rep.FirstError)
		}
	}
	if rep.Errors > 0 {
		return exitFailed
	}
	return exitOK
}
