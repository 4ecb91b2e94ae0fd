package handoff

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonbot/baton/flows"
)

// Resolver picks the connector that delivers an outbox item. For appends
// and closes the Deliverer fills item.Ticket with the ticket the handoff's
// open created before it asks, so a resolver can pick by Ticket.Connector.
type Resolver func(ctx context.Context, item flows.OutboxItem) (flows.Connector, error)

// ConnectorMap resolves opens to the connector named def and appends and
// closes to the connector named by their ticket (def when the ticket names
// none). It is the resolver for a deployment with a single helpdesk; a
// Router's Resolver picks the connector per team.
func ConnectorMap(conns map[string]flows.Connector, def string) Resolver {
	return func(_ context.Context, item flows.OutboxItem) (flows.Connector, error) {
		name := def
		if item.Kind != flows.OutboxOpen && item.Ticket.Connector != "" {
			name = item.Ticket.Connector
		}
		return lookupConnector(conns, name)
	}
}

func lookupConnector(conns map[string]flows.Connector, name string) (flows.Connector, error) {
	if c, ok := conns[name]; ok && c != nil {
		return c, nil
	}
	if name == "" {
		return nil, errors.New("no connector chosen: set a default under connectors: in baton.yaml")
	}
	return nil, fmt.Errorf("no connector named %q is configured: add it under connectors: in baton.yaml", name)
}

// Settled is called after the Deliverer settles an attempted item: Status
// is delivered (the open's Ticket is set), pending (a retry is scheduled at
// NextAt) or dead (LastError says why). Err is the attempt's error, nil on
// delivery. Hosts write the ticket back into the session and count metrics
// here; the hook must not block for long.
type Settled func(ctx context.Context, item flows.OutboxItem, err error)

// Deliverer moves outbox items to helpdesks: it claims due items, calls the
// connector, and settles each one as delivered, scheduled for a retry
// (exponential backoff with jitter, or the helpdesk's Retry-After) or dead
// (a permanent error, or max age exceeded). Retries pass the same handoff,
// and connectors are idempotent on its ID, so a retry never opens a second
// ticket. Items of one handoff are delivered in order: appends and closes
// wait for the open's ticket.
//
// A Deliverer is safe for concurrent use; several (in several processes)
// may share an outbox, the outbox's leases keep them apart.
type Deliverer struct {
	outbox  flows.Outbox
	resolve Resolver

	clock     Clock
	rand      func() float64
	backoff   Backoff
	maxAge    time.Duration
	lease     time.Duration
	batch     int
	workers   int
	timeout   time.Duration
	poll      time.Duration
	log       *slog.Logger
	onSettled Settled
	// window batches a conversation's appends; perMinute caps the ticket
	// updates with appends per conversation and minute.
	window    time.Duration
	perMinute int

	wake chan struct{}
	// lastSweep is when RunOnce last looked for stranded items, and
	// lastDeadOpen when an open was last seen dying (unix ns).
	lastSweep    atomic.Int64
	lastDeadOpen atomic.Int64
}

// DeliverOption configures a Deliverer.
type DeliverOption func(*Deliverer)

// Defaults of a Deliverer.
const (
	DefaultMaxAge = 24 * time.Hour
	// DefaultLease outlasts an attempt, so no other worker takes an item
	// while its attempt may still be under way.
	DefaultLease = 4 * time.Minute
	DefaultBatch = 20
	// DefaultWorkers is how many deliveries Run has under way at once.
	DefaultWorkers = 4

	DefaultTimeout      = 3 * time.Minute
	DefaultPollInterval = 2 * time.Second
	// DefaultAppendWindow is how long an append waits for the customer's
	// next messages, to go to the ticket in the same update.
	DefaultAppendWindow = 2 * time.Second
	// DefaultAppendsPerMinute caps the ticket updates with customer
	// messages per conversation and minute.
	DefaultAppendsPerMinute = 10
)

// DeliverClock sets the clock (default time.Now); attempt deadlines stay
// on real timers (see DeliverTimeSource).
func DeliverClock(now func() time.Time) DeliverOption {
	return func(d *Deliverer) {
		if now != nil {
			d.clock = nowClock{now}
		}
	}
}

// DeliverTimeSource sets the clock with its timers: attempt deadlines run
// on it. Tests pass a fake one.
func DeliverTimeSource(c Clock) DeliverOption {
	return func(d *Deliverer) {
		if c != nil {
			d.clock = c
		}
	}
}

// DeliverAppendWindow sets how long a customer message waits for the next
// ones before going to the ticket, all in one update (default 2s; zero
// sends each at once). It protects the helpdesk's rate limit from a
// customer who writes in many short lines.
func DeliverAppendWindow(w time.Duration) DeliverOption {
	return func(d *Deliverer) {
		if w >= 0 {
			d.window = w
		}
	}
}

// DeliverAppendsPerMinute caps the ticket updates carrying customer
// messages, per conversation and minute (default 10; zero: no cap).
// Messages beyond it wait and go together in the next update the cap
// allows: they are delayed, never dropped.
func DeliverAppendsPerMinute(n int) DeliverOption {
	return func(d *Deliverer) {
		if n >= 0 {
			d.perMinute = n
		}
	}
}

// DeliverRand sets the random source of the jitter, a function returning
// values in [0, 1) (default math/rand/v2's Float64). Tests inject a fixed
// one.
func DeliverRand(r func() float64) DeliverOption {
	return func(d *Deliverer) {
		if r != nil {
			d.rand = r
		}
	}
}

// DeliverBackoff sets the retry policy (default DefaultBackoff). Zero
// fields keep their defaults.
func DeliverBackoff(b Backoff) DeliverOption {
	return func(d *Deliverer) { d.backoff = b.withDefaults() }
}

// DeliverMaxAge sets how long after its creation an item may still be
// retried (default 24h); a failure after that dead-letters it.
func DeliverMaxAge(age time.Duration) DeliverOption {
	return func(d *Deliverer) {
		if age > 0 {
			d.maxAge = age
		}
	}
}

// DeliverLease sets how long a claimed item is reserved for this worker
// (default 4m, DefaultLease). It must exceed the attempt timeout, or another worker may
// deliver the same item meanwhile (harmless, connectors being idempotent,
// but wasteful).
func DeliverLease(lease time.Duration) DeliverOption {
	return func(d *Deliverer) {
		if lease > 0 {
			d.lease = lease
		}
	}
}

// DeliverBatch sets how many items one RunOnce claims (default 20); Run
// claims at most that many, and no more than it has idle workers.
func DeliverBatch(n int) DeliverOption {
	return func(d *Deliverer) {
		if n > 0 {
			d.batch = n
		}
	}
}

// DeliverWorkers sets how many deliveries Run has under way at once
// (default 4, DefaultWorkers; 1 delivers one at a time). A helpdesk call
// takes a few hundred milliseconds, so one at a time caps a process at a
// few tickets a second, and one slow call holds up every conversation's
// handoff. The items of one conversation still go one at a time and in
// order; a helpdesk's rate limit (429 with Retry-After) is honoured per
// item.
func DeliverWorkers(n int) DeliverOption {
	return func(d *Deliverer) {
		if n > 0 {
			d.workers = n
		}
	}
}

// DeliverTimeout bounds one attempt (default 3m): all the HTTP calls a
// connector makes for one item (each also has its own deadline, see
// WithCallTimeout). An attempt that runs out of time is retried.
func DeliverTimeout(t time.Duration) DeliverOption {
	return func(d *Deliverer) {
		if t > 0 {
			d.timeout = t
		}
	}
}

// DeliverPollInterval sets how long Run waits between claims when the
// outbox had nothing more to do (default 2s).
func DeliverPollInterval(p time.Duration) DeliverOption {
	return func(d *Deliverer) {
		if p > 0 {
			d.poll = p
		}
	}
}

// DeliverLogger sets the logger (default: discard).
func DeliverLogger(l *slog.Logger) DeliverOption {
	return func(d *Deliverer) {
		if l != nil {
			d.log = l
		}
	}
}

// DeliverOnSettled sets the hook called after each attempted item settles.
func DeliverOnSettled(f Settled) DeliverOption {
	return func(d *Deliverer) { d.onSettled = f }
}

// NewDeliverer returns a Deliverer that takes items from outbox and
// delivers them through the connector resolve picks.
func NewDeliverer(outbox flows.Outbox, resolve Resolver, opts ...DeliverOption) (*Deliverer, error) {
	if outbox == nil {
		return nil, errors.New("handoff: NewDeliverer needs an outbox (the session store's)")
	}
	if resolve == nil {
		return nil, errors.New("handoff: NewDeliverer needs a connector resolver (ConnectorMap or Router.Resolver)")
	}
	d := &Deliverer{
		outbox:  outbox,
		resolve: resolve,
		clock:   realClock{},
		rand:    rand.Float64,
		backoff: DefaultBackoff(),
		maxAge:  DefaultMaxAge,
		lease:   DefaultLease,
		batch:   DefaultBatch,
		workers: DefaultWorkers,
		timeout: DefaultTimeout,
		poll:    DefaultPollInterval,
		log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		wake:    make(chan struct{}, 1),

		window:    DefaultAppendWindow,
		perMinute: DefaultAppendsPerMinute,
	}
	for _, o := range opts {
		if o != nil {
			o(d)
		}
	}
	if d.lease <= d.timeout {
		return nil, fmt.Errorf("handoff: the delivery lease (%s) must be longer than the attempt timeout (%s), or two workers may deliver one item at once; raise DeliverLease or lower DeliverTimeout", d.lease, d.timeout)
	}
	return d, nil
}

func (d *Deliverer) now() time.Time { return d.clock.Now() }

// Wake makes a running Run claim at once instead of waiting for the poll
// interval; hosts call it after saving a session with outbox items.
func (d *Deliverer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done, then returns ctx's error once the
// deliveries under way have finished and settled (each within its attempt
// timeout; a host's shutdown bounds the wait): a call cut at shutdown
// would leave its item to the lease, and its ticket to the next process
// minutes later.
//
// It has up to DeliverWorkers deliveries under way at once: it claims as
// many items as it has idle workers, each conversation's items going to
// one worker in order, and claims again as soon as a worker is idle while
// the outbox hands out all it asks for; else it waits the poll interval
// (or a Wake). Errors of the outbox are logged and retried at the next
// poll.
func (d *Deliverer) Run(ctx context.Context) error {
	busy := make(chan struct{}, d.workers) // one token per delivery under way
	idle := make(chan struct{}, 1)         // a worker finished
	// The workers live as long as Run: a goroutine per delivery grew its
	// stack anew for every ticket (the helpdesk's HTTP call runs deep).
	// A job goes in only with a token, so jobs never blocks.
	jobs := make(chan dlJob, d.workers)
	var wg sync.WaitGroup
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	// At shutdown the calls under way finish and settle (the turns and
	// sends under way do too); nothing more starts.
	settleCtx := context.WithoutCancel(ctx)
	for range d.workers {
		wg.Go(func() {
			for j := range jobs {
				if _, err := j.run.deliverAll(ctx, settleCtx, j.items, j.startBy); err != nil && ctx.Err() == nil {
					d.log.Error("handoff delivery", "err", err)
				}
				<-busy
				select {
				case idle <- struct{}{}:
				default:
				}
			}
		})
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	more := false // the last claim got all it asked for: more may be due
	for {
		if !more || len(busy) == d.workers {
			// A finished worker matters only while more may be due: else
			// its signal waits in idle, and wakes nobody.
			var idled chan struct{}
			if more {
				idled = idle
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-timer.C:
			case <-d.wake:
			case <-idled:
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		free := d.workers - len(busy)
		if free == 0 {
			more = true // a Wake while every worker is busy
			continue
		}
		asked := min(free, d.batch)
		// The claim is not cut at shutdown: the store may have leased
		// items whose answer a cut call would lose, leaving them (and
		// their tickets) to the lease. What a claim that ends after
		// the shutdown took is handed back.
		run, items, startBy, err := d.claim(settleCtx, asked)
		if ctx.Err() != nil {
			if run != nil {
				run.release(items)
			}
			return ctx.Err()
		}
		more = err == nil && len(items) == asked
		if err != nil {
			d.log.Error("handoff delivery", "err", err)
		}
		for _, group := range byConversation(items) {
			busy <- struct{}{}
			jobs <- dlJob{run: run, items: group, startBy: startBy}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(d.poll)
	}
}

// dlJob is one conversation's claimed items, for one of Run's workers.
type dlJob struct {
	run     *dlRun
	items   []flows.OutboxItem
	startBy time.Time
}

// byConversation splits claimed items into their conversations' items,
// each in the claim's order, the conversations in the order of their
// first item.
func byConversation(items []flows.OutboxItem) [][]flows.OutboxItem {
	if len(items) <= 1 { // a turn's handoff, woken for: no map to build
		if len(items) == 0 {
			return nil
		}
		return [][]flows.OutboxItem{items}
	}
	var groups [][]flows.OutboxItem
	at := map[string]int{}
	for _, it := range items {
		i, ok := at[it.ConversationID]
		if !ok {
			i = len(groups)
			at[it.ConversationID] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], it)
	}
	return groups
}

// RunOnce claims the items due now and delivers them, one at a time,
// returning how many it settled. Items it cannot deliver yet are settled
// for later: a failed attempt at its backoff, an append at the time its
// open may be done. So calling RunOnce again at the same time finds
// nothing to do. Items the run reaches too late to start within their
// claim's lease (a slow helpdesk) are handed back for the next claim,
// unsettled.
//
// When ctx is cancelled during an attempt, the item is left to its lease
// and RunOnce returns ctx's error.
func (d *Deliverer) RunOnce(ctx context.Context) (int, error) {
	run, items, startBy, err := d.claim(ctx, d.batch)
	if err != nil {
		return 0, err
	}
	return run.deliverAll(ctx, ctx, items, startBy)
}

// claim sweeps, then claims up to max items due now, opens first (so an
// append claimed with its open goes after it), and returns them with the
// run that delivers them and the time by which each must be started.
func (d *Deliverer) claim(ctx context.Context, max int) (run *dlRun, items []flows.OutboxItem, startBy time.Time, err error) {
	if err := d.sweep(ctx, d.now()); err != nil {
		return nil, nil, time.Time{}, err
	}
	claimed := d.now()
	items, err = d.outbox.Claim(ctx, claimed, d.lease, max)
	if err != nil {
		return nil, nil, time.Time{}, fmt.Errorf("handoff: claim outbox items: %w", err)
	}
	// An item is started only while its claim holds it for a whole
	// attempt's time (what an append's check of the ticket may take before
	// the attempt is written ahead): past that, another worker may claim
	// it and deliver it too. The items not reached by then go back.
	startBy = claimed.Add(d.lease - d.timeout)
	sort.SliceStable(items, func(i, j int) bool {
		return items[i].Kind == flows.OutboxOpen && items[j].Kind != flows.OutboxOpen
	})
	return &dlRun{d: d, heldUntil: claimed.Add(d.lease)}, items, startBy, nil
}

// deliverAll delivers items one at a time, in order, under ctx, and
// returns how many it settled; see RunOnce. Once stop is done it starts
// no more items and hands them back.
func (r *dlRun) deliverAll(stop, ctx context.Context, items []flows.OutboxItem, startBy time.Time) (int, error) {
	d := r.d
	var errs []error
	n := 0
	for i, it := range items {
		if err := stop.Err(); err != nil {
			r.release(items[i:])
			return n, err
		}
		if d.now().After(startBy) {
			r.release(items[i:])
			break
		}
		settled, err := r.deliver(ctx, it)
		if settled {
			n++
		}
		if err != nil {
			if ctx.Err() != nil {
				r.release(items[i+1:])
				return n, ctx.Err()
			}
			if errors.Is(err, flows.ErrLeaseLost) {
				// This worker's lease ran out (a long pause, a clock
				// behind) and another claimed the item since: its
				// outcome is that worker's, and the store kept nothing
				// of this one's.
				d.log.LogAttrs(ctx, slog.LevelWarn, "handoff delivery taken over by another worker after this one's lease ran out",
					slog.String("id", it.ID), slog.String("handoff", it.HandoffID), slog.String("kind", string(it.Kind)))
				continue
			}
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// release hands back the claimed items this run did not start (at
// shutdown, or reached too late), so another worker takes them at once
// instead of after the lease; an item this run settled meanwhile (sent
// along with another) stays as settled. Items whose claim has ended, or
// is about to, are left alone: another worker may hold them now, and
// this run's copy would overwrite what it wrote.
func (r *dlRun) release(items []flows.OutboxItem) {
	if !r.d.now().Before(r.heldUntil.Add(-releaseMargin)) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, it := range items {
		if cur, ok := r.current(it.ID); ok && (cur.Status != it.Status || cur.Attempts != it.Attempts || !cur.NextAt.Equal(it.NextAt)) {
			continue
		}
		if err := r.d.outbox.Settle(ctx, it); err != nil {
			r.d.log.Warn("releasing a handoff delivery failed; its lease expires instead", "id", it.ID, "error", err)
		}
	}
}

// releaseMargin is how long before its claim ends a run still hands items
// back: the time the store's writes may take.
const releaseMargin = 5 * time.Second
