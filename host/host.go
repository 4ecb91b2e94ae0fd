package host

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/entity"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/sla"
)

// Host runs conversations for real on a store: it is the flows.Receiver
// channels hand their webhooks to, and Run drives the workers that take
// the turns, send the replies, deliver the handoffs and fire the timers.
type Host struct {
	store   flows.Store
	log     *slog.Logger
	metrics *Metrics
	now     func() time.Time
	ids     func() string
	http    *HTTPCaller
	// sandboxHTTP answers HTTP actions with the flows' sandbox: responses
	// (nothing leaves the machine).
	sandboxHTTP bool
	analyzer    func(*flows.Flow) (flows.Analyzer, error)
	nlu         *NLU
	summarizer  flows.Summarizer
	deploy      *handoff.Config
	router      *handoff.Router
	conns       map[string]flows.Connector
	notifier    *handoff.Notifier
	deliver     []handoff.DeliverOption
	workers     int
	httpTimeout time.Duration
	maxMessage  int
	lease       time.Duration
	poll        time.Duration
	maxAttempts int
	onEffect    func(conversation string, e flows.Effect)
	observer    Observer
	noTurns     bool
	// recorder writes analytics events; slaTable stamps due times;
	// watcher raises SLA alerts (see analytics.go).
	recorder *analytics.Recorder
	slaTable *sla.Table
	watcher  *sla.Watcher
	queue    *sla.Queue
	// decided holds the routing decisions' messages for the customer
	// between the handoff hook and the end of the turn, by handoff id.
	decided sync.Map

	mu       sync.RWMutex
	accounts map[string]*Account // by channel:account
	// refused holds, by flow path, the files the errors of its last
	// refused reload are in (a new included file's), watched until a
	// reload succeeds.
	refused map[string][]string

	busyMu sync.Mutex
	// busy holds the conversations taking a turn in this process, each
	// with the claimed messages waiting for that turn to end.
	busy map[string][]func(context.Context)
	// timerFails are the timers whose turns failed (timerfail.go).
	timerMu    sync.Mutex
	timerFails map[string]timerFail
	// waiting counts, by buckets of conversation ids, the messages
	// accepted here whose entries are not acknowledged yet (arrivals.go):
	// a turn whose conversation has none left wakes nobody.
	waiting     [waitingBuckets]atomic.Int64
	waitingSeed maphash.Seed
	// sharedStore: other processes accept messages into the store too, so
	// each turn asks the store whether its conversation's next message
	// is waiting (WithSharedStore).
	sharedStore bool
	// grace is how long a message whose conversation another flow
	// version may answer is left for it (WithVersionGrace); digests
	// are the versions this host ran, warned those it said it left
	// messages for (rolling.go).
	grace   time.Duration
	digests digestSet
	warned  digestSet
	// versions is the shared store's notice board of the flow versions
	// the processes serve (nil: none), announce signals a reload's new
	// version to announce at once.
	versions flows.FlowVersions
	announce chan struct{}

	wake      chan struct{}
	replyWake chan struct{}
	deliverer *handoff.Deliverer
	running   atomic.Bool
	// loops counts the turn and reply workers' loops under way (see
	// workersRun).
	loops atomic.Int32
}

// Account is one channel account the host answers: a WhatsApp number, a
// Telegram bot, a web widget. Its conversations run Flow, and replies go
// out through Sender.
type Account struct {
	Channel string // whatsapp, telegram, web, or a program's own (sms); no ":"
	Name    string // phone_number_id, bot name, widget name; no ":"
	// Sender sends the replies. When it is also a flows.MediaFetcher,
	// the customer's media reach tickets through it (the connectors'
	// attachments, the generic webhook's media links); a flows.Typer
	// shows typing (TypingAfter).
	Sender flows.Channel
	// Path is the flow's file, for reloads (empty: not reloadable).
	Path string
	// TypingAfter, when positive and Sender is a flows.Typer, is how long
	// a customer's message may wait for its turn's end before the
	// customer is shown that a reply is coming (WhatsApp: the message
	// marked read with a typing indicator).
	TypingAfter time.Duration

	eng atomic.Pointer[engine.Engine]
	sum atomic.Pointer[[32]byte] // of the flow's files, when Path is set
	// clockWarned: a message's turn dated off the host's clock was said
	// (onHostClock).
	clockWarned atomic.Bool
}

// Flow is the account's current flow.
func (a *Account) Flow() *flows.Flow { return a.eng.Load().Flow() }

func key(channel, account string) string { return channel + ":" + account }

// Option configures a Host.
type Option func(*Host)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(h *Host) { h.log = l } }

// WithMetrics records the host's work in m.
func WithMetrics(m *Metrics) Option { return func(h *Host) { h.metrics = m } }

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(h *Host) { h.now = now } }

// WithIDs sets the generator of effect ids (default NewIDs: unique ULIDs).
func WithIDs(next func() string) Option { return func(h *Host) { h.ids = next } }

// WithHTTP carries out HTTP actions with c (default NewHTTPCaller()).
func WithHTTP(c *HTTPCaller) Option { return func(h *Host) { h.http = c } }

// WithMaxMessage bounds the bytes of a customer's message the engine
// keeps (engine.WithMaxMessage; 0: its default, 4096).
func WithMaxMessage(n int) Option { return func(h *Host) { h.maxMessage = n } }

// WithHTTPTimeout sets the timeout of the flows' HTTP actions that give
// none of their own (default 10s; server.http_timeout).
func WithHTTPTimeout(d time.Duration) Option { return func(h *Host) { h.httpTimeout = d } }

// WithSandboxHTTP answers HTTP actions with the flows' sandbox: responses
// instead of calling out (nothing leaves the machine).
func WithSandboxHTTP() Option { return func(h *Host) { h.sandboxHTTP = true } }

// WithAnalyzer sets how the NLU analyser of a flow is made, for every
// flow the host serves (default: WithNLU's NLU.Analyzer, the built-in one
// trained on the flow's intents when the flow reads signals, with the LLM
// when the deployment's nlu section asks for it). It replaces that one: a
// program that adds its own rules on top of what baton.yaml's nlu section
// asks for wraps NewNLU(cfg.Handoff, getenv, true).Analyzer(f), which is
// nil for a flow that reads no signals.
func WithAnalyzer(a func(*flows.Flow) (flows.Analyzer, error)) Option {
	return func(h *Host) { h.analyzer = a }
}

// WithNLU makes flows' analysers and the tickets' summaries as n says: the
// deployment's nlu section (the LLM with nlu.analyser llm or hybrid).
func WithNLU(n *NLU) Option {
	return func(h *Host) { h.nlu = n }
}

// WithSummarizer writes the summary on top of each ticket (an LLM); nil
// keeps the extractive one.
func WithSummarizer(s flows.Summarizer) Option { return func(h *Host) { h.summarizer = s } }

// WithDeployment routes handoffs by cfg and delivers them to conns (the
// connectors by name, from handoff.Connectors). Without it handoffs go to
// a CaptureConnector.
func WithDeployment(cfg *handoff.Config, conns map[string]flows.Connector) Option {
	return func(h *Host) { h.deploy, h.conns = cfg, conns }
}

// WithDeliverOptions adds options to the handoff Deliverer's.
func WithDeliverOptions(opts ...handoff.DeliverOption) Option {
	return func(h *Host) { h.deliver = append(h.deliver, opts...) }
}

// WithLease sets how long a claimed message or reply stays with the
// process that claimed it (default 1m): after a crash, another process
// (or the restarted one) takes it over when the lease ends.
func WithLease(d time.Duration) Option {
	return func(h *Host) {
		if d > 0 {
			h.lease = d
		}
	}
}

// WithWorkers sets how many conversations take a turn at once (default 16).
func WithWorkers(n int) Option { return func(h *Host) { h.workers = n } }

// WithPoll sets how often idle workers look for work they were not woken
// for (timers due, messages another process accepted; default 500ms).
func WithPoll(d time.Duration) Option { return func(h *Host) { h.poll = d } }

// WithSharedStore says that other processes (or hosts) accept messages
// into the same store, as several `baton serve` on one Valkey do. A host
// counts the messages it accepted to know when a saved turn leaves its
// conversation's next one claimable; a message another process accepted
// while the turn ran would wait for the next poll. With this option each
// turn's save also reports what the conversation's inbox holds
// (flows.Commit.Left), and the host claims the next message at once.
func WithSharedStore() Option { return func(h *Host) { h.sharedStore = true } }

// WithVersionGrace sets how long, with WithSharedStore, a message is left
// for another process when its conversation waits in a state this host's
// flow lacks and was last handled by a version of the flow this host
// never ran (a rolling deploy): past it, the message's turn moves the
// conversation to on_reload as a reload does (default
// DefaultVersionGrace). See rolling.go.
func WithVersionGrace(d time.Duration) Option {
	return func(h *Host) {
		if d > 0 {
			h.grace = d
		}
	}
}

// WithEffects calls f with every effect of every turn (the web sandbox
// and chat show them).
func WithEffects(f func(conversation string, e flows.Effect)) Option {
	return func(h *Host) { h.onEffect = f }
}

// New returns a host on store; add accounts with AddAccount, then Run.
func New(store flows.Store, opts ...Option) (*Host, error) {
	if store == nil {
		return nil, errors.New("host: New needs a store (store/memory for one process)")
	}
	h := &Host{store: store, workers: 16, lease: time.Minute, poll: 500 * time.Millisecond, maxAttempts: 5, grace: DefaultVersionGrace,
		accounts: map[string]*Account{}, busy: map[string][]func(context.Context){}, waitingSeed: maphash.MakeSeed(),
		wake: make(chan struct{}, 1), replyWake: make(chan struct{}, 1), announce: make(chan struct{}, 1)}
	for _, o := range opts {
		o(h)
	}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.ids == nil {
		h.ids = NewIDs(h.now)
	}
	if h.http == nil {
		h.http = NewHTTPCaller()
	}
	if h.nlu == nil {
		h.nlu = NewNLU(nil, nil, false)
	}
	if h.analyzer == nil {
		h.analyzer = h.nlu.Analyzer
	}
	if !h.noTurns { // turns taken from the inbox hold their message for the lease
		if err := h.nlu.fitsLease(h.lease); err != nil {
			return nil, fmt.Errorf("host: %w", err)
		}
	}
	if h.summarizer == nil {
		s, err := h.nlu.Summarizer(nil, nil)
		if err != nil {
			return nil, err
		}
		h.summarizer = s
	}
	h.workers = max(h.workers, 1)
	if v, ok := store.(flows.FlowVersions); ok && h.sharedStore {
		h.versions = v
	}
	if err := h.setupHandoffs(); err != nil {
		return nil, err
	}
	return h, nil
}

// AddAccount serves a channel account with flow f. Its channel and name
// may not hold a ":" (see flows.ConversationID).
func (h *Host) AddAccount(a *Account, f *flows.Flow) error {
	if err := checkAccount(a); err != nil {
		return err
	}
	if f == nil {
		return fmt.Errorf("host: account %s has no flow", key(a.Channel, a.Name))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, dup := h.accounts[key(a.Channel, a.Name)]; dup {
		return fmt.Errorf("host: account %s is added twice", key(a.Channel, a.Name))
	}
	eng, err := h.newEngine(f)
	if err != nil {
		return fmt.Errorf("host: account %s: %w", key(a.Channel, a.Name), err)
	}
	a.eng.Store(eng)
	if a.Path != "" {
		sum := digest(f.Files)
		a.sum.Store(&sum)
	}
	h.http.Allow(f)
	h.accounts[key(a.Channel, a.Name)] = a
	h.metrics.channel(a.Channel)
	return nil
}

// checkAccount checks what names a's conversations.
func checkAccount(a *Account) error {
	if a == nil || a.Channel == "" || a.Name == "" {
		return errors.New("host: an account needs its channel and name")
	}
	// A conversation id is channel:account:contact: a ":" in either would
	// make every message of the account look for another one.
	if strings.Contains(a.Channel, ":") {
		return fmt.Errorf("host: channel %q has a \":\", which separates channel, account and contact in a conversation id (flows.ConversationID); name it without one", a.Channel)
	}
	if strings.Contains(a.Name, ":") {
		return fmt.Errorf("host: account name %q has a \":\", which separates channel, account and contact in a conversation id (flows.ConversationID); name it without one", a.Name)
	}
	return nil
}

// Accounts returns the accounts served.
func (h *Host) Accounts() []*Account {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*Account, 0, len(h.accounts))
	for _, a := range h.accounts {
		out = append(out, a)
	}
	return out
}

func (h *Host) newEngine(f *flows.Flow) (*engine.Engine, error) {
	opts := []engine.Option{engine.WithClock(h.now), engine.WithIDs(h.ids), engine.WithReplyOutbox(), engine.WithEntities(entity.New())}
	if h.httpTimeout > 0 {
		opts = append(opts, engine.WithHTTPTimeout(h.httpTimeout))
	}
	if h.maxMessage > 0 {
		opts = append(opts, engine.WithMaxMessage(h.maxMessage))
	}
	a, err := h.analyzer(f)
	if err != nil {
		return nil, fmt.Errorf("the NLU analyser of flow %s: %w", f.Name, err)
	}
	if a != nil {
		opts = append(opts, engine.WithAnalyzer(turnAnalyzer{a})) // once per message, however often a conflict reruns the turn
	}
	if h.router != nil {
		opts = append(opts, engine.WithHandoffHook(h.route))
	}
	opts = append(opts, h.analyticsOptions()...)
	if d := flowDigest(f); d != "" {
		opts = append(opts, engine.WithDigest(d))
		h.digests.add(d) // served from now on: its conversations are never left for another process
	}
	return engine.New(f, opts...), nil
}

// account finds the account of a conversation id (channel:account:contact).
func (h *Host) account(conversation string) (*Account, error) {
	channel, rest, ok := strings.Cut(conversation, ":")
	name, _, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return nil, fmt.Errorf("conversation id %q is not channel:account:contact", conversation)
	}
	h.mu.RLock()
	a := h.accounts[key(channel, name)]
	h.mu.RUnlock()
	if a == nil {
		return nil, fmt.Errorf("no %s account %q is served here (conversation %s)", channel, name, MaskID(conversation))
	}
	return a, nil
}

// Wake makes the turn workers look at the inbox now.
func (h *Host) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *Host) wakeReplies() {
	select {
	case h.replyWake <- struct{}{}:
	default:
	}
}

// Run drives the workers until ctx is done: turns from the inbox and the
// due timers, replies through the channels, handoffs to the helpdesks.
// When ctx ends it claims nothing more, lets the turns, sends and
// deliveries under way finish, takes the turns of the messages it had
// claimed, hands back the outbox items it had claimed and not started, and
// returns; a due timer not started stays due, for another process (or the
// next start).
func (h *Host) Run(ctx context.Context) error {
	if !h.running.CompareAndSwap(false, true) {
		return errors.New("host: Run called twice")
	}
	var wg sync.WaitGroup
	if h.versions != nil {
		wg.Go(func() { h.announceVersions(ctx) })
	}
	if !h.noTurns {
		wg.Go(func() { h.runTurns(ctx) })
	}
	wg.Go(func() { h.runReplies(ctx) })
	wg.Go(func() {
		if err := h.deliverer.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			h.log.Error("the handoff worker stopped", "error", err)
		}
	})
	wg.Wait()
	return nil
}

// workersRun reports whether the turn worker (unless WithoutTurns) and
// the reply worker are in their loops: /readyz answers 200 only then.
func (h *Host) workersRun() bool {
	want := int32(2)
	if h.noTurns {
		want = 1
	}
	return h.loops.Load() == want
}

// create returns the first session of a conversation of account a.
func (h *Host) create(a *Account, in flows.Inbound) func() *flows.Session {
	conv, contact := in.ConversationID, in.Contact // not the whole message
	return func() *flows.Session {
		eng := a.eng.Load()
		f := eng.Flow()
		s := eng.NewSession(conv, contact, a.Channel, f.DefaultLanguage())
		s.Vars = maps.Clone(f.Vars)
		if s.Vars == nil {
			s.Vars = map[string]any{}
		}
		return s
	}
}
