package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/host"
	"github.com/batonbot/baton/store/bolt"
)

// `baton chat --config FILE --live`: the same sandbox, but the turns go
// through the live host (package host), the same wiring as `baton serve`:
// a store file keeps the sessions and the outbox (written together), the
// helpdesks are called for real by the host's delivery worker, HTTP
// actions are made for real, the LLM analyser and summariser are those of
// the config's nlu section, and conversation, contact and handoff ids are
// globally unique. The chat shows each delivery, retry and dead letter.

// liveDeliverOptions are added to the live Deliverer's; tests shorten the
// backoff and the poll interval with them.
var liveDeliverOptions []handoff.DeliverOption

// liveAccount is the account name of chat --live's conversations:
// {channel}:chat:{contact}.
const liveAccount = "chat"

type liveHost struct {
	e     *env
	path  string
	store *bolt.Store
	host  *host.Host

	mu     sync.Mutex
	sb     *sandbox
	cancel context.CancelFunc
	done   chan struct{}
	dead   int
}

// discard is the chat's replies' channel: the chat shows them from the
// turns' effects.
type discard struct{}

func (discard) Send(context.Context, flows.Outbound) error { return nil }

// startLive opens the store and builds the host: the real connectors, the
// router, the NLU of the config; the sandbox config gets the host. It
// returns nil and the exit code when something is missing.
func startLive(_ context.Context, e *env, cfg *sandboxConfig, o chatOptions) (*liveHost, int) {
	lv := &liveHost{e: e, path: o.store}
	if lv.path == "" {
		dir, err := os.MkdirTemp("", "baton-live-")
		if err != nil {
			fmt.Fprintf(e.stderr, "baton chat: creating a temporary store: %v; give one with --store FILE\n", err)
			return nil, exitRuntime
		}
		lv.path = filepath.Join(dir, "store.db")
	}
	store, err := bolt.Open(lv.path)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton chat: %v\n", err)
		return nil, exitRuntime
	}
	lv.store = store
	ok := false
	defer func() {
		if !ok {
			store.Close()
		}
	}()
	hc := cfg.deployment.cfg
	conns, err := handoff.Connectors(hc)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton chat: %s: %v\n", hc.Source, err)
		return nil, exitFailed
	}
	lookup := func(name string) (string, bool) {
		v := e.getenv(name)
		return v, v != ""
	}
	h, err := host.New(store, host.WithDeployment(hc, conns), host.WithNLU(host.NewNLU(hc, e.getenv, true)),
		host.WithHTTP(host.NewHTTPCaller(host.HTTPEnv(lookup))),
		host.WithDeliverOptions(liveDeliverOptions...), host.WithRecorder(cfg.recorder), host.WithoutTurns(),
		host.WithObserver(host.Observer{Routed: lv.routed, Settled: lv.settled, Notified: lv.notified}))
	if err != nil {
		fmt.Fprintf(e.stderr, "baton chat: %v\n", err)
		return nil, exitFailed
	}
	if err := h.AddAccount(&host.Account{Channel: cfg.channel, Name: liveAccount, Sender: discard{}}, cfg.flow); err != nil {
		fmt.Fprintf(e.stderr, "baton chat: %v\n", err)
		return nil, exitRuntime
	}
	lv.host = h
	cfg.host = h
	ok = true
	fmt.Fprintf(e.stderr, "live: handoffs go to %s for real; sessions and the outbox are kept in %s ('baton handoff list --store %s')\n",
		joinNames(hc.Connectors.Names()), lv.path, lv.path)
	return lv, exitOK
}

func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return "no helpdesk"
	case 1:
		return names[0]
	}
	out := names[0]
	for i, n := range names[1:] {
		if i == len(names)-2 {
			out += " and " + n
		} else {
			out += ", " + n
		}
	}
	return out
}

// attach starts delivering in the background and reports to sb's events.
func (lv *liveHost) attach(sb *sandbox) {
	ctx, cancel := context.WithCancel(context.Background())
	lv.mu.Lock()
	lv.sb, lv.cancel, lv.done = sb, cancel, make(chan struct{})
	lv.mu.Unlock()
	go func() {
		defer close(lv.done)
		_ = lv.host.Run(ctx)
	}()
}

func (lv *liveHost) sandbox() *sandbox {
	lv.mu.Lock()
	defer lv.mu.Unlock()
	return lv.sb
}

// routed gives the chat's helpdesk view the routing decision (called
// within the turn, in the chat's goroutine).
func (lv *liveHost) routed(hf *flows.Handoff, d handoff.Decision, summaryErr error) {
	if sb := lv.sandbox(); sb != nil && sb.hd != nil {
		sb.hd.decided(hf, d, summaryErr)
	}
}

// settled shows a helpdesk delivery's outcome as an event.
func (lv *liveHost) settled(it flows.OutboxItem, err error) {
	lv.mu.Lock()
	sb := lv.sb
	if it.Status == flows.OutboxDead {
		lv.dead++
	}
	lv.mu.Unlock()
	if sb != nil {
		sb.emit(event{Effect: settledEvent(it, err)})
	}
}

// notified says whether an urgent handoff reached the team's chat.
func (lv *liveHost) notified(hf *flows.Handoff, err error) {
	if err != nil {
		fmt.Fprintf(lv.e.stderr, "live: the %s handoff %s is in the helpdesk, but notifying the team failed: %v\n", hf.Priority, hf.ID, err)
		return
	}
	fmt.Fprintf(lv.e.stderr, "live: the %s handoff %s was posted to the team's chat\n", hf.Priority, hf.ID)
}

// stop ends the background delivery and closes the store.
func (lv *liveHost) stop() {
	lv.mu.Lock()
	cancel, done := lv.cancel, lv.done
	lv.cancel = nil
	st := lv.store
	lv.store = nil
	lv.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	if st != nil {
		if err := st.Close(); err != nil {
			fmt.Fprintf(lv.e.stderr, "live: closing the store %s: %v\n", lv.path, err)
		}
	}
}

// finish lets the background worker deliver what is still pending for up
// to drain (retries included), so a scripted chat ends with its tickets
// open, then stops it. It says what is left and how to retry it.
func (lv *liveHost) finish(ctx context.Context, drain time.Duration) int {
	defer lv.stop()
	deadline := time.Now().Add(drain)
	announced := false
	for ctx.Err() == nil {
		pending, err := lv.store.List(ctx, flows.OutboxPending)
		if err != nil {
			fmt.Fprintf(lv.e.stderr, "baton chat: reading the outbox: %v\n", err)
			return exitRuntime
		}
		if len(pending) == 0 {
			break
		}
		if !time.Now().Before(deadline) {
			fmt.Fprintf(lv.e.stderr, "live: %s still pending in %s; they are retried by the next 'baton chat --live --store %s', or see 'baton handoff list --store %s'\n",
				plural(len(pending), "outbox item"), lv.path, lv.path, lv.path)
			break
		}
		if !announced {
			fmt.Fprintf(lv.e.stderr, "live: waiting up to %s for %s\n", formatDuration(drain), plural(len(pending), "pending outbox item"))
			announced = true
		}
		wait := max(min(time.Until(nextDue(pending)), time.Until(deadline), 200*time.Millisecond), 10*time.Millisecond)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		lv.host.WakeDeliveries()
	}
	lv.mu.Lock()
	dead := lv.dead
	lv.mu.Unlock()
	if dead > 0 {
		fmt.Fprintf(lv.e.stderr, "live: %s dead; fix the cause, then 'baton handoff retry --store %s --config FILE --all-dead'\n", plural(dead, "outbox item"), lv.path)
	}
	return exitOK
}

// nextDue is the earliest next attempt among items.
func nextDue(items []flows.OutboxItem) time.Time {
	var t time.Time
	for _, it := range items {
		if t.IsZero() || it.NextAt.Before(t) {
			t = it.NextAt
		}
	}
	return t
}
