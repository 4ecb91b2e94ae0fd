package loadgen

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonbot/baton/convtest"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
)

// EngineScript is one conversation replayed in process: its inputs, run
// through an engine and a store with its test's setup (clock, contact,
// channel, language, variables and canned HTTP answers).
type EngineScript struct {
	Name   string
	Engine *engine.Engine
	Setup  convtest.Setup
	Inputs []flows.Input
}

// EngineOptions bound a RunEngine.
type EngineOptions struct {
	// Concurrency is how many conversations run at once (at least 1).
	Concurrency int
	// Duration stops starting turns after it.
	Duration time.Duration
	// Conversations, when above 0, stops after that many conversations.
	Conversations int64
}

// EngineReport is what RunEngine measured, as `baton load --json`
// prints it (latencies in microseconds).
type EngineReport struct {
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

// RunEngine measures the engine as production runs it: many conversations
// at once through engine.Handle and one shared store, each replaying a
// script's inputs (HTTP calls answered by the canned responses, so nothing
// leaves the machine but the store's traffic) and deleted from the store
// when its script ends. A turn is timed from its input to its saved
// session. The end of the run stops new conversations and turns; a turn
// under way finishes and is not counted as an error.
func RunEngine(ctx context.Context, store flows.SessionStore, scripts []*EngineScript, o EngineOptions) EngineReport {
	workers := max(o.Concurrency, 1)
	// A turn under way finishes with a context of its own, so the end of
	// the run is not counted as errors.
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
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var mine []time.Duration
			for n := 0; ctx.Err() == nil; n++ {
				if o.Conversations > 0 && claimed.Add(1) > o.Conversations {
					break
				}
				// Counted here, the conversation runs at least its first
				// turn: the end of the run stops it between turns.
				convs.Add(1)
				s := scripts[(w+n*workers)%len(scripts)]
				id := convPrefix + run + "-" + strconv.Itoa(w) + "-" + strconv.Itoa(n)
				for i, in := range s.Inputs {
					if i > 0 && ctx.Err() != nil {
						break
					}
					t0 := time.Now()
					err := s.turn(turnCtx, store, id, in, i)
					mine = append(mine, time.Since(t0))
					turns.Add(1)
					if err != nil {
						errs.Add(1)
						firstErr.Do(func() { firstMsg = s.Name + ": " + err.Error() })
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
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	rep := EngineReport{Workers: workers, Seconds: elapsed.Seconds(), Conversations: convs.Load(), Turns: turns.Load(), Errors: errs.Load(), FirstError: firstMsg}
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

// convPrefix starts the ids of the load's conversations (a channel's
// start with the channel's name and a colon).
const convPrefix = "load-"

// turn runs one scripted input, then answers the HTTP calls it asks for
// with canned responses until the conversation waits again.
func (s *EngineScript) turn(ctx context.Context, store flows.SessionStore, id string, in flows.Input, step int) error {
	at := s.Setup.Now
	if at.IsZero() {
		at = time.Now()
	}
	in.At = at.Add(time.Duration(step) * time.Second)
	create := func() *flows.Session {
		contact := flows.Contact{ID: id}
		if s.Setup.User != nil {
			contact = *s.Setup.User
		}
		sess := s.Engine.NewSession(id, contact, s.Setup.Channel, s.Setup.Lang)
		sess.Vars = maps.Clone(s.Engine.Flow().Vars)
		if sess.Vars == nil {
			sess.Vars = map[string]any{}
		}
		maps.Copy(sess.Vars, s.Setup.Vars)
		return sess
	}
	for range flows.MaxHTTPChain {
		effs, err := s.Engine.Handle(ctx, store, id, in, create)
		if err != nil {
			return err
		}
		req, ok := flows.FirstHTTPRequest(effs)
		if !ok {
			return nil
		}
		in = flows.Input{Kind: flows.InputHTTP, At: in.At, HTTP: s.answer(req)}
	}
	return fmt.Errorf("the flow kept making HTTP requests (%d in one step); check its http actions for a loop", flows.MaxHTTPChain)
}

// answer is the test's canned response to r, else the flow's sandbox
// answer, else an error result.
func (s *EngineScript) answer(r flows.HTTPRequest) *flows.HTTPResult {
	for _, c := range s.Setup.HTTP {
		if c.Matches(r) {
			return &flows.HTTPResult{ID: r.ID, Status: c.Status, Err: c.Error, Body: c.BodyBytes()}
		}
	}
	if r.Canned != nil {
		res := *r.Canned
		res.ID = r.ID
		return &res
	}
	return &flows.HTTPResult{ID: r.ID, Err: "no canned response for " + r.Method + " " + r.URL}
}
