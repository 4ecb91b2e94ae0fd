package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/host"
	"github.com/batonbot/baton/store/bolt"
)

// Live is the sandbox with --live: the turns go through the live host
// (package host), the same wiring as `baton serve`: a store file keeps
// the sessions and the outbox (written together), the helpdesks are
// called for real by the host's delivery worker, HTTP actions are made for
// real, the LLM analyser and summariser are those of the config's nlu
// section, and conversation, contact and handoff ids are globally unique.
// Each delivery, retry and dead letter becomes an event.
type Live struct {
	notes io.Writer
	path  string
	store *bolt.Store
	host  *host.Host

	mu     sync.Mutex
	sb     *Sandbox
	cancel context.CancelFunc
	done   chan struct{}
	dead   int
}

// LiveOptions configure StartLive.
type LiveOptions struct {
	// Store is the store file (default: a new temporary one).
	Store string
	// Getenv reads the environment: ${NAME} in HTTP actions, the LLM's
	// API key.
	Getenv func(string) string
	// Notes is where Live says what it does (the store's path, urgent
	// handoffs posted, what is left at the end).
	Notes io.Writer
	// Deliver are added to the helpdesk Deliverer's options (tests
	// shorten its backoff and poll).
	Deliver []handoff.DeliverOption
}

// ErrSetup wraps StartLive's errors that come from the deployment config
// (connectors, the LLM), rather than from the machine.
var ErrSetup = errors.New("the deployment config")

// LiveAccount is the account name of live conversations:
// {channel}:chat:{contact}.
const LiveAccount = "chat"

// discard is the live conversation's replies' channel: the sandbox shows
// them from the turns' effects.
type discard struct{}

func (discard) Send(context.Context, flows.Outbound) error { return nil }

// StartLive opens the store and builds the host: the real connectors, the
// router and the NLU of cfg's deployment; cfg gets the host, so New makes
// a live sandbox of it. Attach the sandbox, then Finish.
func StartLive(cfg *Config, o LiveOptions) (*Live, error) {
	if cfg.Deployment == nil {
		return nil, errors.New("live needs a deployment config")
	}
	notes := o.Notes
	if notes == nil {
		notes = io.Discard
	}
	lv := &Live{notes: notes, path: o.Store}
	if lv.path == "" {
		dir, err := os.MkdirTemp("", "baton-live-")
		if err != nil {
			return nil, fmt.Errorf("creating a temporary store: %w; give one with --store FILE", err)
		}
		lv.path = filepath.Join(dir, "store.db")
	}
	store, err := bolt.Open(lv.path)
	if err != nil {
		return nil, err
	}
	lv.store = store
	ok := false
	defer func() {
		if !ok {
			store.Close()
		}
	}()
	hc := cfg.Deployment.Handoff
	conns, err := handoff.Connectors(hc)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrSetup, hc.Source, err)
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	lookup := func(name string) (string, bool) {
		v := getenv(name)
		return v, v != ""
	}
	nlu := host.NewNLU(hc, getenv, true)
	if msg := nlu.Notice(); msg != "" {
		fmt.Fprintf(notes, "live: %s\n", msg)
	}
	h, err := host.New(store, host.WithDeployment(hc, conns), host.WithNLU(nlu),
		host.WithHTTP(host.NewHTTPCaller(host.HTTPEnv(lookup))),
		host.WithDeliverOptions(o.Deliver...), host.WithRecorder(cfg.Recorder), host.WithoutTurns(),
		host.WithObserver(host.Observer{Routed: lv.routed, Settled: lv.settled, Notified: lv.notified}))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	channel := cfg.Channel
	if channel == "" {
		channel = "sandbox"
	}
	if err := h.AddAccount(&host.Account{Channel: channel, Name: LiveAccount, Sender: discard{}}, cfg.Flow); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	lv.host = h
	cfg.Host = h
	ok = true
	fmt.Fprintf(notes, "live: handoffs go to %s for real; sessions and the outbox are kept in %s ('baton handoff list --store %s')\n",
		joinNames(hc.Connectors.Names()), lv.path, lv.path)
	return lv, nil
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

// Attach starts delivering in the background and reports to sb's events.
func (lv *Live) Attach(sb *Sandbox) {
	ctx, cancel := context.WithCancel(context.Background())
	lv.mu.Lock()
	lv.sb, lv.cancel, lv.done = sb, cancel, make(chan struct{})
	lv.mu.Unlock()
	go func() {
		defer close(lv.done)
		_ = lv.host.Run(ctx)
	}()
}

func (lv *Live) sandbox() *Sandbox {
	lv.mu.Lock()
	defer lv.mu.Unlock()
	return lv.sb
}

// routed gives the sandbox's helpdesk view the routing decision (called
// within the turn, in the sandbox's goroutine).
func (lv *Live) routed(hf *flows.Handoff, d handoff.Decision, summaryErr error) {
	if sb := lv.sandbox(); sb != nil && sb.hd != nil {
		sb.hd.decided(hf, d, summaryErr)
	}
}

// settled shows a helpdesk delivery's outcome as an event.
func (lv *Live) settled(it flows.OutboxItem, err error) {
	lv.mu.Lock()
	sb := lv.sb
	if it.Status == flows.OutboxDead {
		lv.dead++
	}
	lv.mu.Unlock()
	if sb != nil && sb.hd != nil && it.Kind == flows.OutboxOpen && it.Status == flows.OutboxDelivered && it.Ticket.ID != "" {
		sb.hd.setTicket(it.HandoffID, it.Ticket) // an agent's reply names it
	}
	if sb != nil {
		sb.Emit(Event{Effect: SettledEvent(it, err)})
	}
}

// notified says whether an urgent handoff reached the team's chat.
func (lv *Live) notified(hf *flows.Handoff, err error) {
	if err != nil {
		fmt.Fprintf(lv.notes, "live: the %s handoff %s is in the helpdesk, but notifying the team failed: %v\n", hf.Priority, hf.ID, err)
		return
	}
	fmt.Fprintf(lv.notes, "live: the %s handoff %s was posted to the team's chat\n", hf.Priority, hf.ID)
}

// Stop ends the background delivery and closes the store.
func (lv *Live) Stop() {
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
			fmt.Fprintf(lv.notes, "live: closing the store %s: %v\n", lv.path, err)
		}
	}
}

// Finish lets the background worker deliver what is still pending for up
// to drain (retries included), so a scripted chat ends with its tickets
// open, then stops it. It says what is left and how to retry it.
func (lv *Live) Finish(ctx context.Context, drain time.Duration) error {
	defer lv.Stop()
	deadline := time.Now().Add(drain)
	announced := false
	for ctx.Err() == nil {
		pending, err := lv.store.List(ctx, flows.OutboxPending)
		if err != nil {
			return fmt.Errorf("reading the outbox: %w", err)
		}
		if len(pending) == 0 {
			break
		}
		if !time.Now().Before(deadline) {
			fmt.Fprintf(lv.notes, "live: %s still pending in %s; they are retried by the next 'baton chat --live --store %s', or see 'baton handoff list --store %s'\n",
				flows.Plural(len(pending), "outbox item"), lv.path, lv.path, lv.path)
			break
		}
		if !announced {
			fmt.Fprintf(lv.notes, "live: waiting up to %s for %s\n", FormatDuration(drain), flows.Plural(len(pending), "pending outbox item"))
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
		fmt.Fprintf(lv.notes, "live: %s dead; fix the cause, then 'baton handoff retry --store %s --config FILE --all-dead'\n", flows.Plural(dead, "outbox item"), lv.path)
	}
	return nil
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

// FormatDuration writes d the way flows and test files do (10m, not
// 10m0s): flows.FormatDuration.
func FormatDuration(d time.Duration) string { return flows.FormatDuration(d) }
