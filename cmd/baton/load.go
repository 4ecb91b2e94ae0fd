package main

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/batonbot/baton/sandbox"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/convtest"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/entity"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/valkey"
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
default a temporary one, removed afterwards) or valkey (--store-url, default
$BATON_VALKEY_URL, else redis://127.0.0.1:6379).

--serve URL measures a running 'baton serve' instead, over HTTP: each
conversation is a customer of its web chat (URL is where the chat is, e.g.
http://127.0.0.1:8080) who opens the event stream and posts the test's
user and button messages one after the other, each once the replies to the
previous one arrived. Latency is from posting a message to its first
reply. How many replies each message gets is counted first, by running
every conversation once, slowly; give the tests of the flow the server
serves.

Exit status: 0 when the run had no errors, 1 when a turn failed or a test
file or its flow has errors, 2 for usage errors (a file that does not exist
too), 3 when the store or the server cannot be reached.`

type loadScript struct {
	name   string
	eng    *engine.Engine
	flow   *flows.Flow
	setup  convtest.Setup
	inputs []flows.Input
}

type loadReport struct {
	Store         string  `json:"store"`
	Workers       int     `json:"workers"`
	Seconds       float64 `json:"seconds"`
	Conversations int64   `json:"conversations"`
	Turns         int64   `json:"turns"`
	TurnsPerSec   float64 `json:"turns_per_second"`
	P50           float64 `json:"p50_us"`
	P95           float64 `json:"p95_us"`
	P99           float64 `json:"p99_us"`
	Max           float64 `json:"max_us"`
	AllocsPerTurn float64 `json:"allocs_per_turn"`
	BytesPerTurn  float64 `json:"bytes_per_turn"`
	Errors        int64   `json:"errors"`
	FirstError    string  `json:"first_error,omitempty"`
}

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
	}
	if *serveURL != "" {
		if *kind != "memory" || *storePath != "" || *storeURL != "" {
			return usageError(e, loadCmd, "--serve drives a running server, whose config names its store; drop --store")
		}
		return runLoadServe(ctx, e, *serveURL, paths, *workers, *duration, int64(*maxConvs), *asJSON)
	}
	evs, err := events.open(e.stderr)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton load: %v\n", err)
		return exitRuntime
	}
	defer evs.close()
	scripts, problems := loadScripts(paths, evs.recorder(""))
	if code, ok := scriptsUsable(e, problems, len(scripts), paths); !ok {
		return code
	}
	store, closeStore, err := openLoadStore(ctx, e, *kind, *storePath, *storeURL)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton load: %v\n", err)
		return exitRuntime
	}
	rep := driveLoad(ctx, scripts, store, *workers, *duration, int64(*maxConvs))
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

// loadScripts turns the conversations of the test files into input
// scripts, one engine per flow.
func loadScripts(paths []string, rec *analytics.Recorder) ([]*loadScript, []string) {
	files, _, err := convtest.Files(paths)
	if err != nil {
		return nil, []string{err.Error()}
	}
	engines := map[string]*engine.Engine{}
	var scripts []*loadScript
	var problems []string
	for _, path := range files {
		tf, errs := convtest.Parse(path)
		if len(errs) > 0 {
			problems = append(problems, errs...)
			continue
		}
		eng, ok := engines[tf.FlowPath]
		if !ok {
			f, diags := dsl.LoadFile(tf.FlowPath)
			if diags.HasErrors() {
				problems = append(problems, diags.Err().Error())
				continue
			}
			opts := []engine.Option{engine.WithEntities(entity.New())}
			if a, err := sandbox.BuiltinAnalyzer(f); err != nil {
				problems = append(problems, err.Error())
				continue
			} else if a != nil {
				opts = append(opts, engine.WithAnalyzer(a))
			}
			if rec != nil {
				opts = append(opts, engine.WithObserver(rec.Observe))
			}
			eng = engine.New(f, opts...)
			engines[tf.FlowPath] = eng
		}
		for _, c := range tf.Conversations {
			s := &loadScript{name: path + ": " + c.Name, eng: eng, flow: eng.Flow(), setup: c.Setup}
			for _, st := range c.Steps {
				switch st.Kind {
				case "user":
					s.inputs = append(s.inputs, flows.Input{Kind: flows.InputMessage, Text: st.Value})
				case "button":
					s.inputs = append(s.inputs, flows.Input{Kind: flows.InputMessage, Payload: st.Value})
				case "agent":
					s.inputs = append(s.inputs, flows.Input{Kind: flows.InputAgent, Text: st.Value, Agent: "agent"})
				case "ticket":
					s.inputs = append(s.inputs, flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Status: flows.TicketStatus(st.Value)}})
				case "close":
					s.inputs = append(s.inputs, flows.Input{Kind: flows.InputClose})
				}
			}
			if len(s.inputs) > 0 {
				scripts = append(scripts, s)
			}
		}
	}
	return scripts, problems
}

func driveLoad(ctx context.Context, scripts []*loadScript, store flows.SessionStore, workers int, d time.Duration, maxConvs int64) loadReport {
	// The deadline stops starting turns; a turn under way finishes with a
	// context of its own, so the end of the run is not counted as errors.
	turnCtx := context.WithoutCancel(ctx)
	run := strconv.FormatInt(time.Now().UnixNano(), 36) // conversation ids of earlier runs in a shared store differ
	var (
		claimed, convs, turns, errs atomic.Int64
		firstErr                    sync.Once
		firstMsg                    string
		mu                          sync.Mutex
		lat                         []time.Duration
	)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// The run's time starts after the collection: on a busy machine it
	// can take longer than a short run.
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for n := 0; ctx.Err() == nil; n++ {
				if maxConvs > 0 && claimed.Add(1) > maxConvs {
					break
				}
				// Counted here, the conversation runs at least its first
				// turn: the end of the run stops it between turns.
				convs.Add(1)
				s := scripts[(w+n*workers)%len(scripts)]
				id := "load-" + run + "-" + strconv.Itoa(w) + "-" + strconv.Itoa(n)
				for i, in := range s.inputs {
					if i > 0 && ctx.Err() != nil {
						break
					}
					t0 := time.Now()
					err := s.turn(turnCtx, store, id, in, i)
					mine = append(mine, time.Since(t0))
					turns.Add(1)
					if err != nil {
						errs.Add(1)
						firstErr.Do(func() { firstMsg = s.name + ": " + err.Error() })
						break
					}
				}
				// The script is over: the conversation is too.
				if err := store.Delete(turnCtx, id); err != nil {
					errs.Add(1)
					firstErr.Do(func() { firstMsg = "deleting " + id + ": " + err.Error() })
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	rep := loadReport{Workers: workers, Seconds: elapsed.Seconds(), Conversations: convs.Load(), Turns: turns.Load(), Errors: errs.Load(), FirstError: firstMsg}
	if rep.Turns > 0 {
		rep.TurnsPerSec = float64(rep.Turns) / elapsed.Seconds()
		rep.AllocsPerTurn = float64(after.Mallocs-before.Mallocs) / float64(rep.Turns)
		rep.BytesPerTurn = float64(after.TotalAlloc-before.TotalAlloc) / float64(rep.Turns)
		slices.Sort(lat)
		pct := func(p float64) float64 {
			return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) / 1e3
		}
		rep.P50, rep.P95, rep.P99, rep.Max = pct(0.50), pct(0.95), pct(0.99), pct(1)
	}
	return rep
}

// turn runs one scripted input, then answers the HTTP calls it asks for
// with canned responses until the conversation waits again.
func (s *loadScript) turn(ctx context.Context, store flows.SessionStore, id string, in flows.Input, step int) error {
	at := s.setup.Now
	if at.IsZero() {
		at = time.Now()
	}
	in.At = at.Add(time.Duration(step) * time.Second)
	create := func() *flows.Session {
		contact := flows.Contact{ID: id}
		if s.setup.User != nil {
			contact = *s.setup.User
		}
		sess := s.eng.NewSession(id, contact, s.setup.Channel, s.setup.Lang)
		sess.Vars = maps.Clone(s.flow.Vars)
		if sess.Vars == nil {
			sess.Vars = map[string]any{}
		}
		maps.Copy(sess.Vars, s.setup.Vars)
		return sess
	}
	for range 20 {
		effs, err := s.eng.Handle(ctx, store, id, in, create)
		if err != nil {
			return err
		}
		var req *flows.HTTPRequest
		for _, e := range effs {
			if r, ok := e.(flows.HTTPRequest); ok {
				req = &r
				break
			}
		}
		if req == nil {
			return nil
		}
		in = flows.Input{Kind: flows.InputHTTP, At: in.At, HTTP: s.answer(*req)}
	}
	return fmt.Errorf("more than 20 HTTP calls in one step")
}

func (s *loadScript) answer(r flows.HTTPRequest) *flows.HTTPResult {
	for _, c := range s.setup.HTTP {
		if c.Matches(r) {
			res := &flows.HTTPResult{ID: r.ID, Status: c.Status, Err: c.Error}
			if c.Body != nil {
				res.Body, _ = json.Marshal(c.Body)
			}
			return res
		}
	}
	if r.Canned != nil {
		res := *r.Canned
		res.ID = r.ID
		return &res
	}
	return &flows.HTTPResult{ID: r.ID, Err: "no canned response for " + r.Method + " " + r.URL}
}

// openLoadStore opens the store --store names and returns it with what
// closes it (and removes a temporary bolt file).
func openLoadStore(ctx context.Context, e *env, kind, path, url string) (flows.SessionStore, func() error, error) {
	switch kind {
	case "bolt":
		dir := ""
		if path == "" {
			d, err := os.MkdirTemp("", "baton-load-")
			if err != nil {
				return nil, nil, err
			}
			dir, path = d, filepath.Join(d, "load.db")
		}
		s, err := bolt.Open(path)
		if err != nil {
			if dir != "" {
				os.RemoveAll(dir)
			}
			return nil, nil, err
		}
		return s, func() error {
			err := s.Close()
			if dir != "" {
				os.RemoveAll(dir)
			}
			return err
		}, nil
	case "valkey":
		if url == "" {
			url = e.getenv("BATON_VALKEY_URL")
		}
		if url == "" {
			url = "redis://127.0.0.1:6379"
		}
		s, err := valkey.NewStore(ctx, url)
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	}
	return memory.New(), func() error { return nil }, nil
}
