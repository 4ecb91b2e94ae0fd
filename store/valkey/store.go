package valkey

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/flows"
)

var (
	_ flows.SessionStore   = (*Store)(nil)
	_ flows.Outbox         = (*Store)(nil)
	_ flows.OutboxSplitter = (*Store)(nil)
	_ flows.LoadTracker    = (*Store)(nil)
	_ flows.Timers         = (*Store)(nil)
	_ flows.Deduper        = (*Store)(nil)
	_ flows.Store          = (*Store)(nil)
	_ flows.OutboxStats    = (*Store)(nil)
)

// Store is the Valkey flows.Store. It is safe for concurrent use, by
// several goroutines and several processes sharing one server or cluster.
type Store struct {
	c       valkey.Client
	cluster bool
	sc      scripts

	prefix        string
	shards        int
	ttl           time.Duration
	dedupe        time.Duration
	keepDelivered int
	now           func() time.Time
	sweepEvery    time.Duration
	loadsCache    time.Duration
	clientOpt     func(*valkey.ClientOption)

	tr transcripts

	// stop ends the background sweep and the building of the pending
	// counts, those under way included.
	stop context.CancelFunc
	// abort closes every connection of the client (closeOnAbort).
	abort    context.CancelFunc
	stopped  sync.WaitGroup
	closeOne sync.Once
	closed   atomic.Bool // set by Close: every call fails with flows.ErrClosed

	// building is held while this process builds the shards' pending
	// counts; statsBuilt is set once every shard has them (buildStats).
	// statsMu orders its writes: statsSeq counts the times it was set,
	// so a reader that saw an unbuilt shard before a build finished does
	// not clear it after (markStatsUnbuilt).
	building   sync.Mutex
	statsBuilt atomic.Bool
	statsMu    sync.Mutex
	statsSeq   uint64
}

// Option configures a Store.
type Option func(*Store)

// WithPrefix sets the prefix of every key (default "baton"), so several
// deployments can share a server. It must not contain '{' or '}'.
func WithPrefix(p string) Option { return func(s *Store) { s.prefix = p } }

// WithTTL sets how long a conversation nobody touched is kept (default
// flows.DefaultSessionTTL): its keys expire on the server, and a session
// older than the TTL by the store's clock loads as gone. 0 or less keeps
// conversations for ever.
func WithTTL(ttl time.Duration) Option { return func(s *Store) { s.ttl = ttl } }

// WithInboxDedupe sets how long the inbox remembers an accepted message id
// (default flows.DefaultInboxDedupe).
func WithInboxDedupe(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.dedupe = d
		}
	}
}

// WithDeliveredRetention keeps at most n delivered outbox items per
// conversation (default 100), for List; pending and dead items are kept
// until the conversation expires.
func WithDeliveredRetention(n int) Option {
	return func(s *Store) { s.keepDelivered = max(n, 0) }
}

// WithClock sets the store's clock (default time.Now): it stamps outbox
// items saved without a time, ages sessions and dedupe keys.
func WithClock(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.now = now
		}
	}
}

// WithShards sets how many shards the global indexes are split into
// (default 16; every process sharing the data must use the same number).
func WithShards(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.shards = n
		}
	}
}

// WithSweepEvery sets how often the store runs Sweep in the background
// (default every 30 seconds; 0 turns it off: then call Sweep yourself).
func WithSweepEvery(d time.Duration) Option { return func(s *Store) { s.sweepEvery = d } }

// WithCachedLoads makes Loads read agents' counts through valkey-go's
// client-side caching: the server invalidates a cached count when it
// changes, and ttl bounds how long one is kept anyway. Routing then costs
// no round trip, at the price of counts that may lag a change by the
// moment the invalidation takes to arrive (off by default).
func WithCachedLoads(ttl time.Duration) Option { return func(s *Store) { s.loadsCache = ttl } }

// WithClientOption changes the valkey-go client options the URL gave
// (TLS, timeouts, a dialer: its connections too are closed by Close).
func WithClientOption(f func(*valkey.ClientOption)) Option {
	return func(s *Store) { s.clientOpt = f }
}

// NewStore connects to the server or cluster at rawURL:
// redis://[user:password@]host:port[/db], rediss:// for TLS (valkey:// and
// valkeys:// too), and for a cluster more nodes as
// ?addr=host2:port&addr=host3:port. A cluster is recognised by itself.
func NewStore(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	s := &Store{
		prefix:        "baton",
		shards:        16,
		ttl:           flows.DefaultSessionTTL,
		dedupe:        flows.DefaultInboxDedupe,
		keepDelivered: 100,
		now:           time.Now,
		sweepEvery:    30 * time.Second,
		sc:            newScripts(),
	}
	for _, o := range opts {
		o(s)
	}
	if strings.ContainsAny(s.prefix, "{}") {
		return nil, fmt.Errorf("valkey store: key prefix %q must not contain '{' or '}'", s.prefix)
	}
	opt, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if s.clientOpt != nil {
		s.clientOpt(&opt)
	}
	var aborted context.Context
	aborted, s.abort = context.WithCancel(context.Background())
	closeOnAbort(&opt, aborted)
	// Connecting ends with ctx: valkey-go's first handshake takes no
	// context, and waits for a silent server for its dial timeout (5s).
	watch := context.AfterFunc(ctx, s.abort)
	c, err := valkey.NewClient(opt)
	if err != nil {
		watch()
		s.abort()
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return nil, fmt.Errorf("valkey store: connecting to %s: %w (%s)", redact(rawURL), err, connectHint(opt, err))
	}
	s.c = c
	s.cluster = c.Mode() == valkey.ClientModeCluster
	err = c.Do(ctx, c.B().Ping().Build()).Error()
	if !watch() || err != nil { // watch false: ctx ended, and closed the connections
		s.abort()
		c.Close()
		if err == nil || ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return nil, fmt.Errorf("valkey store: %s does not answer PING: %w (%s)", redact(rawURL), err, connectHint(opt, err))
	}
	var bg context.Context
	bg, s.stop = context.WithCancel(context.Background())
	if s.sweepEvery > 0 {
		s.stopped.Add(1)
		go s.sweepLoop(bg)
	}
	if unbuilt, err := s.unbuiltStats(ctx); err != nil || len(unbuilt) > 0 {
		// Shards with outbox items and no pending counts (data of an
		// earlier version): counted in the background, PendingStats
		// reads their items meanwhile.
		s.stopped.Add(1)
		go func() {
			defer s.stopped.Done()
			_ = s.buildStats(bg)
		}()
	}
	return s, nil
}

// connectHint says what to check when connecting failed with err. A TLS
// URL (rediss://, valkeys://) pointed at a server without TLS gets no
// answer to its handshake: the connection waits out its timeout.
func connectHint(opt valkey.ClientOption, err error) string {
	var ne net.Error
	timeout := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
	if opt.TLSConfig != nil && timeout {
		return "the URL asks for TLS and the server did not answer the handshake: check the server has TLS on, " +
			"or use redis:// (valkey://) for a server without TLS"
	}
	return "is the server running and the URL right?"
}

// parseURL turns a store URL into client options.
func parseURL(raw string) (valkey.ClientOption, error) {
	u := raw
	switch {
	case strings.HasPrefix(u, "valkey://"):
		u = "redis://" + strings.TrimPrefix(u, "valkey://")
	case strings.HasPrefix(u, "valkeys://"):
		u = "rediss://" + strings.TrimPrefix(u, "valkeys://")
	}
	if !strings.HasPrefix(u, "redis://") && !strings.HasPrefix(u, "rediss://") && !strings.HasPrefix(u, "unix://") {
		return valkey.ClientOption{}, fmt.Errorf("valkey store: URL %q: want redis://host:port, rediss://, valkey:// or unix://", redact(raw))
	}
	opt, err := valkey.ParseURL(u)
	var uerr *url.Error
	if errors.As(err, &uerr) { // it quotes the URL, password included
		return valkey.ClientOption{}, fmt.Errorf("valkey store: URL %q does not parse: percent-encode the characters of the user name and password "+
			"other than letters and digits (%%25 for %%, %%40 for @, %%20 for a space)", redact(raw))
	}
	if err != nil {
		return valkey.ClientOption{}, fmt.Errorf("valkey store: URL %q: %w", redact(raw), err)
	}
	return opt, nil
}

// redact hides a URL's password (the whole user part of one that does not
// parse).
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if scheme, rest, ok := strings.Cut(raw, "://"); ok {
			if at := strings.LastIndex(rest, "@"); at >= 0 {
				return scheme + "://xxxxx" + rest[at:]
			}
		}
		return raw
	}
	if u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Close stops the background sweep and closes the connections, at once:
// calls still under way fail, and nothing waits for a server that stopped
// answering. Those calls, and every call afterwards, fail with an error
// wrapping flows.ErrClosed.
func (s *Store) Close() error {
	s.closed.Store(true)
	s.closeOne.Do(func() {
		s.stop()
		s.abort()
		s.stopped.Wait()
		s.c.Close()
	})
	return nil
}

// live returns an error wrapping flows.ErrClosed after Close, else
// ctx's error.
func (s *Store) live(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("valkey store: %w", flows.ErrClosed)
	}
	return ctx.Err()
}

// underWay turns the error of a call under way when the store closed (its
// connection closed under it, "valkey client is closing") into one
// wrapping flows.ErrClosed, as a call after Close fails; the answers
// flows names pass as they are.
func (s *Store) underWay(err *error) {
	if *err == nil || !s.closed.Load() {
		return
	}
	for _, answer := range []error{flows.ErrClosed, flows.ErrConflict, flows.ErrNoSession, flows.ErrConsumed, flows.ErrLeaseLost} {
		if errors.Is(*err, answer) {
			return
		}
	}
	*err = fmt.Errorf("valkey store: %w while the call was under way (%v)", flows.ErrClosed, *err)
}

// Client returns the store's valkey-go client (for health checks and
// tests).
func (s *Store) Client() valkey.Client { return s.c }

// convKeyNames are the suffixes of a conversation's keys, in the order the
// scripts expect them (luaPrelude).
var convKeyNames = [...]string{
	"s",    // session: r (revision), b (blob without the transcript), u (saved at)
	"tr",   // transcript: a list of encoded messages
	"w",    // work state: v (version of the state last published)
	"l",    // agent → open handoffs this conversation holds
	"o",    // outbox item id → blob
	"om",   // outbox item id → meta (status, next, lease, kind, handoff)
	"oq",   // outbox item ids by creation order
	"ok",   // handoff id → ticket of its delivered open
	"tm",   // timer key → due time
	"in",   // inbox entry ids by acceptance order
	"ie",   // inbox entry id → blob
	"im",   // inbox entry id → meta (attempts, lease)
	"seen", // inbox message ids accepted, scored by when they are forgotten
	"pr",   // pending replies by creation order
	"ph",   // pending handoff items by creation order
	"od",   // delivered items by creation order (trimmed to the retention)
}

// shardKeyNames are the suffixes of a shard's index keys (luaPublish).
var shardKeyNames = [...]string{
	"v",  // conversation → version of its state held here
	"or", // conversations by when their next reply may be claimed
	"oh", // conversations by when their next handoff item may be claimed
	"ti", // conversations by their next timer
	"ii", // conversations by when their inbox head may be claimed
	"oa", // conversations with outbox items
	"lc", // conversation → its agent-load contributions
	"ld", // agent → open handoffs, this shard's total
	"pc", // conversation → its pending items' counts (kind, count, oldest)
	"pn", // kind → pending items, this shard's total
	"po", // kind, oldest pending item's creation stamp, conversation (by kind and stamp)
}

const (
	nConvKeys  = len(convKeyNames)
	nShardKeys = len(shardKeyNames)
)

// convKeys returns the conversation's keys, followed on a single server by
// its shard's (so a script publishes its state in the same step).
func (s *Store) convKeys(conv string) []string {
	n := nConvKeys
	if !s.cluster {
		n += nShardKeys
	}
	// One string holds every key; the keys are slices of it (two
	// allocations instead of one per key).
	base := s.prefix + ":{" + conv + "}:"
	var shard string
	if !s.cluster {
		shard = s.prefix + ":ix:{ix" + strconv.Itoa(s.shardOf(conv)) + "}:"
	}
	size := 0
	for _, k := range convKeyNames {
		size += len(base) + len(k)
	}
	if !s.cluster {
		for _, k := range shardKeyNames {
			size += len(shard) + len(k)
		}
	}
	var b strings.Builder
	b.Grow(size)
	ends := make([]int, 0, n)
	for _, k := range convKeyNames {
		b.WriteString(base)
		b.WriteString(k)
		ends = append(ends, b.Len())
	}
	if !s.cluster {
		for _, k := range shardKeyNames {
			b.WriteString(shard)
			b.WriteString(k)
			ends = append(ends, b.Len())
		}
	}
	all := b.String()
	keys := make([]string, n)
	start := 0
	for i, end := range ends {
		keys[i] = all[start:end]
		start = end
	}
	return keys
}

// untagged reports a conversation id whose keys a cluster cannot keep in
// one slot: their hash tag "{" + conv + "}" is empty (an id that starts
// with '}', or none), so each key is hashed whole.
func (s *Store) untagged(conv string) bool { return s.cluster && (conv == "" || conv[0] == '}') }

// errUntagged is the error of writing a conversation untagged refuses.
func errUntagged(conv string) error {
	return fmt.Errorf("valkey store: conversation id %q cannot start with '}' on a cluster (its keys would not share a slot); give it another id", conv)
}

func (s *Store) convKey(conv, name string) string { return s.prefix + ":{" + conv + "}:" + name }

// shardOf returns the index shard of a conversation.
func (s *Store) shardOf(conv string) int {
	return int(crc32.ChecksumIEEE([]byte(conv)) % uint32(s.shards))
}

func (s *Store) shardKeys(n int) []string {
	keys := make([]string, 0, nShardKeys)
	base := s.prefix + ":ix:{ix" + strconv.Itoa(n) + "}:"
	for _, k := range shardKeyNames {
		keys = append(keys, base+k)
	}
	return keys
}

func (s *Store) shardKey(n int, name string) string {
	return s.prefix + ":ix:{ix" + strconv.Itoa(n) + "}:" + name
}

// finished takes a conversation script's reply: its head (hlen values),
// then the conversation's state, then the rest. On a cluster the state is
// published to the shard here (a single server's script did it itself).
// It returns the head and the rest.
func (s *Store) finished(ctx context.Context, conv string, reply []string, hlen int) (head, rest []string, err error) {
	var b pubBatch
	head, rest, err = s.take(conv, reply, hlen, &b)
	if err != nil {
		return nil, nil, err
	}
	return head, rest, s.flush(ctx, &b)
}

// pubBatch collects the states of several conversations' scripts, to
// publish them in one round trip on a cluster.
type pubBatch struct {
	convs []string
	execs []valkey.LuaExec
}

// take splits a conversation script's reply like finished, adding the
// state to b (on a cluster) instead of publishing it.
func (s *Store) take(conv string, reply []string, hlen int, b *pubBatch) (head, rest []string, err error) {
	if len(reply) < hlen+stateLen {
		return nil, nil, fmt.Errorf("valkey store: short script reply for %q (%d values)", conv, len(reply))
	}
	head, st, rest := reply[:hlen], reply[hlen:hlen+stateLen], reply[hlen+stateLen:]
	if s.cluster {
		args := make([]string, 0, 1+stateLen)
		args = append(args, conv)
		args = append(args, st...)
		b.convs = append(b.convs, conv)
		b.execs = append(b.execs, valkey.LuaExec{Keys: s.shardKeys(s.shardOf(conv)), Args: args})
	}
	return head, rest, nil
}

// flush publishes b's states to their shards (pipelined: one round trip
// per node).
func (s *Store) flush(ctx context.Context, b *pubBatch) error {
	if len(b.execs) == 0 {
		return nil
	}
	if afterCommitHook != nil {
		for _, c := range b.convs {
			if err := afterCommitHook(c); err != nil {
				return err
			}
		}
	}
	var first error
	for i, r := range s.sc.publish.execMulti(ctx, s.c, b.execs) {
		if err := r.Error(); err != nil && first == nil {
			first = fmt.Errorf("valkey store: publishing the state of %q (the sweep will retry): %w", b.convs[i], err)
		}
	}
	return first
}

// publish applies a conversation's state to its shard (cluster only).
func (s *Store) publish(ctx context.Context, conv string, st []string) error {
	args := make([]string, 0, 1+stateLen)
	args = append(args, conv)
	args = append(args, st...)
	b := pubBatch{convs: []string{conv}, execs: []valkey.LuaExec{{Keys: s.shardKeys(s.shardOf(conv)), Args: args}}}
	return s.flush(ctx, &b)
}

// afterCommitHook, when set by a test, runs between a conversation's
// script and the publishing of its state on a cluster; an error stands for
// a crash in that window.
var afterCommitHook func(conv string) error

// errNoReply is a malformed reply.
var errNoReply = errors.New("valkey store: unexpected script reply")

func ms(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func msDur(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
