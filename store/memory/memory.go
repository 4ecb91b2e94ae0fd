package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store"
)

var (
	_ flows.Store       = (*Store)(nil)
	_ flows.OutboxStats = (*Store)(nil)
)

// Store is the in-memory flows.Store.
type Store struct {
	mu     sync.Mutex
	closed atomic.Bool // set by Close: every call fails with flows.ErrClosed
	now    func() time.Time
	ttl    time.Duration

	sessions map[string]*entry

	// The outbox, in the order items were saved; pend holds the pending
	// ones (and, until a claim passes them, some that no longer are) in
	// the same order, so claims do not walk the delivered items kept.
	items   []*item
	pend    []*item
	seq     uint64
	byID    map[string]*item
	tickets map[string]ticket // handoff id → its ticket, once the open is delivered
	// replies counts each conversation's pending reply items: a save
	// leases its replies (flows.ReplyClaim) only to a conversation with
	// none.
	replies map[string]int
	// leases counts the claims of outbox items: each claim's LeaseID.
	leases int64
	// keepDelivered and keepFor bound the delivered items kept for List.
	keepDelivered int
	keepFor       time.Duration
	delivered     int

	// pendKinds holds the pending items of each kind, oldest first (by
	// CreatedAt, then save order), for PendingStats.
	pendKinds map[flows.OutboxKind][]*item

	loads map[string]int // agent → open handoffs, none at 0
	// held is what each conversation's saves added to loads (conversation
	// → agent → count), taken off when the conversation ends.
	held map[string]map[string]int

	timers timerSet
	dedupe map[string]time.Time // key → when it is forgotten
	inbox  inbox

	// sent is the SentLog (channel \0 message id → conversation), and
	// sentOrder its keys in the order recorded, to forget the oldest
	// past maxSent.
	sent      map[string]sentRec
	sentOrder []string
	maxSent   int

	// lastSweep is when expired conversations were last deleted.
	lastSweep time.Time
	buf       []byte // for packing
}

// entry is a stored session and when it was last saved. An idle one is
// kept packed: encoded with the store codec (a few hundred bytes instead of
// a couple of kilobytes), and decoded when it is loaded again. tail records
// that a LoadShared caller took the right to append to this revision's
// transcript array.
type entry struct {
	s       *flows.Session // nil while packed
	packed  []byte
	rev     int64
	touched int64 // Unix nanoseconds: smaller than a time.Time
	tail    bool
}

type item struct {
	it         flows.OutboxItem
	leaseUntil time.Time
	seq        uint64 // save order
	inPend     bool   // in Store.pend
}

type ticket struct {
	ref flows.TicketRef
	at  time.Time
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the store's clock: it stamps outbox items saved without a
// time and ages conversations, dedupe keys and delivered items.
func WithClock(now func() time.Time) Option {
	return func(m *Store) {
		if now != nil {
			m.now = now
		}
	}
}

// WithTTL sets how long a conversation nobody touched is kept (default
// flows.DefaultSessionTTL); 0 or less keeps conversations for ever.
func WithTTL(ttl time.Duration) Option { return func(m *Store) { m.ttl = ttl } }

// WithDeliveredRetention keeps at most n delivered outbox items (default
// 1000), none older than age (default 7 days), for List; pending and dead
// items are kept (dead ones for the TTL).
func WithDeliveredRetention(n int, age time.Duration) Option {
	return func(m *Store) {
		m.keepDelivered = max(n, 0)
		if age > 0 {
			m.keepFor = age
		}
	}
}

// WithInboxDedupe sets how long the inbox remembers an accepted message id
// (default flows.DefaultInboxDedupe).
func WithInboxDedupe(d time.Duration) Option {
	return func(m *Store) {
		if d > 0 {
			m.inbox.dedupe = d
		}
	}
}

// New returns an empty store.
func New(opts ...Option) *Store {
	m := &Store{
		now:           time.Now,
		ttl:           flows.DefaultSessionTTL,
		sessions:      make(map[string]*entry),
		byID:          make(map[string]*item),
		tickets:       make(map[string]ticket),
		replies:       make(map[string]int),
		keepDelivered: 1000,
		keepFor:       7 * 24 * time.Hour,
		pendKinds:     make(map[flows.OutboxKind][]*item),
		loads:         make(map[string]int),
		held:          make(map[string]map[string]int),
		dedupe:        make(map[string]time.Time),
		inbox:         newInbox(),
		sent:          make(map[string]sentRec),
		maxSent:       flows.MaxSent,
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Close forgets nothing (a memory store holds no resources) but ends the
// store's use: every call afterwards fails with an error wrapping
// flows.ErrClosed, as the other stores' do.
func (m *Store) Close() error {
	m.closed.Store(true)
	return nil
}

// live returns an error wrapping flows.ErrClosed after Close, else
// ctx's error.
func (m *Store) live(ctx context.Context) error {
	if m.closed.Load() {
		return fmt.Errorf("memory store: %w", flows.ErrClosed)
	}
	return ctx.Err()
}

// Load returns a copy of the session id, or an error wrapping
// flows.ErrNoSession.
func (m *Store) Load(ctx context.Context, id string) (*flows.Session, error) {
	if err := m.live(ctx); err != nil {
		return nil, err
	}
	s, err := m.get(id)
	if err != nil {
		return nil, err
	}
	// Stored sessions are never modified in place (Save replaces them), so
	// copying outside the lock is safe.
	return s.Clone(), nil
}

// LoadShared returns the stored session itself, not a copy: the caller
// must not modify it (engine.Handle does not; Turn never modifies its
// input). tail is true for the first caller of each saved revision: that
// one may append to the session's transcript array beyond its length
// (nobody else does, and nobody reads there), so its turn copies nothing.
func (m *Store) LoadShared(ctx context.Context, id string) (s *flows.Session, tail bool, err error) {
	if err := m.live(ctx); err != nil {
		return nil, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.entry(id)
	if err != nil {
		return nil, false, err
	}
	tail = !e.tail
	e.tail = true
	return e.s, tail, nil
}

// get returns the stored session id.
func (m *Store) get(id string) (*flows.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.entry(id)
	if err != nil {
		return nil, err
	}
	return e.s, nil // a save replaces e.s under the lock
}

// entry returns the live entry of id, unpacked; the caller holds m.mu.
func (m *Store) entry(id string) (*entry, error) {
	e, ok := m.sessions[id]
	if ok && m.expired(e.at(), m.now()) {
		m.expireLocked(id)
		ok = false
	}
	if !ok {
		return nil, store.NoSession(id)
	}
	if e.s == nil {
		s, err := store.DecodeSession(e.packed)
		if err != nil {
			return nil, fmt.Errorf("memory store: session %q: %w", id, err)
		}
		e.s, e.packed = s, nil
	}
	return e, nil
}

// Save stores a copy of s with c, atomically (see flows.SessionStore).
func (m *Store) Save(ctx context.Context, s *flows.Session, c flows.Commit) error {
	if s == nil || s.ID == "" {
		return errors.New("memory store: cannot save a session without an id")
	}
	return m.save(ctx, s, s.Clone(), c)
}

// SaveOwned is Save without the copy: the store takes s over, and the
// caller must neither modify it afterwards nor have built it by modifying
// a session LoadShared returned (engine.Handle builds a new one each turn,
// sharing only unchanged parts, which nobody modifies).
func (m *Store) SaveOwned(ctx context.Context, s *flows.Session, c flows.Commit) error {
	if s == nil || s.ID == "" {
		return errors.New("memory store: cannot save a session without an id")
	}
	return m.save(ctx, s, s, c)
}

func (m *Store) save(ctx context.Context, s, keep *flows.Session, c flows.Commit) error {
	if err := m.live(ctx); err != nil {
		return err
	}
	if err := store.CheckCommit(s.ID, c); err != nil {
		return err
	}
	if err := store.CheckSession(s); err != nil {
		return err
	}
	now := m.now()
	items := newItems(s.ID, c.Outbox, now)

	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range c.Done {
		if !m.inbox.pending(id) {
			return fmt.Errorf("memory store: inbox entry %q of session %q: %w", id, s.ID, flows.ErrConsumed)
		}
	}
	var rev int64
	e := m.sessions[s.ID]
	if e != nil && m.expired(e.at(), now) {
		m.expireLocked(s.ID)
		e = nil
	}
	if e != nil {
		rev = e.rev
	}
	if s.Rev != rev {
		return fmt.Errorf("session %q is at revision %d, the turn started from %d: %w", s.ID, rev, s.Rev, flows.ErrConflict)
	}
	keep.Rev = rev + 1
	if e == nil {
		e = &entry{}
		m.sessions[s.ID] = e
	}
	e.s, e.packed, e.rev, e.touched, e.tail = keep, nil, keep.Rev, now.UnixNano(), false
	lease := c.Claim != nil && m.replies[s.ID] == 0
	var claimed []flows.OutboxItem
	for i, it := range items {
		if _, dup := m.byID[it.it.ID]; dup {
			continue
		}
		m.seq++
		it.seq = m.seq
		m.byID[it.it.ID] = it
		m.items = append(m.items, it)
		m.pending(it)
		m.countReply(&it.it, "")
		m.indexPending(it, "")
		if lease && store.Leasable(&it.it, s.ID) {
			it.leaseUntil = c.Claim.Until
			m.leases++
			it.it.LeaseID = m.leases
			// The caller's own item, filled as stored: no second copy.
			claimed = append(claimed, store.FillItem(c.Outbox[i], s.ID, now))
			claimed[len(claimed)-1].LeaseID = m.leases
		}
	}
	if c.Claim != nil {
		c.Claim.Items = claimed
	}
	if s.Handoff != nil {
		// The handoff's ticket lives as long as its conversation: the
		// sweep forgets tickets untouched for the TTL.
		if t, ok := m.tickets[s.Handoff.ID]; ok {
			t.at = now
			m.tickets[s.Handoff.ID] = t
		}
	}
	for agent, d := range c.Loads {
		m.addLoad(agent, d)
		m.hold(s.ID, agent, d)
	}
	for _, t := range c.Timers {
		m.timers.set(s.ID, t.Key, t.At)
	}
	for _, id := range c.Done {
		m.inbox.consume(id, now)
	}
	if c.Left != nil {
		c.Left.More = len(m.inbox.queues[s.ID]) > 0
	}
	s.Rev = keep.Rev
	m.maybeSweep(now)
	return nil
}

// newItems copies out for storing, filling the defaults a Commit allows.
func newItems(id string, out []flows.OutboxItem, now time.Time) []*item {
	if len(out) == 0 {
		return nil
	}
	items := make([]*item, 0, len(out))
	for _, it := range out {
		items = append(items, &item{it: store.FillItem(it.Clone(), id, now)})
		items[len(items)-1].it.LeaseID = 0 // not claimed yet
	}
	return items
}

// Delete forgets the conversation id: its session, timers and inbox
// entries (its outbox items stay).
func (m *Store) Delete(ctx context.Context, id string) error {
	if err := m.live(ctx); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deleteLocked(id)
	return nil
}

func (m *Store) deleteLocked(id string) {
	m.expireLocked(id)
	m.inbox.drop(id)
}

// expireLocked forgets conversation id's session and timers, idle past
// the TTL, and takes the loads it held off its agents' counts (no turn of
// it will). Its inbox entries stay: a customer writing again after the TTL
// has a message accepted moments ago (they go when consumed, or once
// older than the TTL themselves).
func (m *Store) expireLocked(id string) {
	delete(m.sessions, id)
	m.timers.drop(id)
	for agent, n := range m.held[id] {
		m.addLoad(agent, -n)
	}
	delete(m.held, id)
}

func (e *entry) at() time.Time { return time.Unix(0, e.touched) }

func (m *Store) expired(touched, now time.Time) bool {
	return m.ttl > 0 && now.Sub(touched) >= m.ttl
}

// packAfter is how long a conversation stays untouched before the sweep
// packs it.
const packAfter = time.Minute

// pack encodes e's session, which is dropped until it is loaded again.
// The caller holds m.mu.
func (m *Store) pack(e *entry) {
	m.buf = store.EncodeSession(m.buf[:0], e.s)
	e.packed = append(make([]byte, 0, len(m.buf)), m.buf...)
	e.s, e.tail = nil, false
}

// sweepEvery bounds how often saves look for expired data.
const sweepEvery = time.Minute

// maybeSweep deletes expired conversations, dedupe keys and old outbox
// items, at most once a sweepEvery (a scan of everything). The caller
// holds m.mu.
func (m *Store) maybeSweep(now time.Time) {
	if now.Sub(m.lastSweep) < min(sweepEvery, max(m.ttl/64, time.Second)) {
		return
	}
	m.sweep(now)
}

// Sweep deletes what expired by now: conversations untouched for the TTL,
// dedupe keys, old delivered and dead outbox items. Saves and Due (the
// host's poll) sweep now and then; hosts may call it on a timer. It returns the conversations
// deleted.
func (m *Store) Sweep(ctx context.Context) (int, error) {
	if err := m.live(ctx); err != nil {
		return 0, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sweep(now), nil
}

func (m *Store) sweep(now time.Time) int {
	m.lastSweep = now
	n := 0
	for id, e := range m.sessions {
		if m.expired(e.at(), now) {
			m.expireLocked(id)
			n++
		}
	}
	for k, until := range m.dedupe {
		if !now.Before(until) {
			delete(m.dedupe, k)
		}
	}
	for _, e := range m.sessions {
		if e.s != nil && now.Sub(e.at()) >= packAfter {
			m.pack(e)
		}
	}
	m.inbox.sweep(now, m.ttl)
	m.sweepSent(now)
	m.timers.compact()
	m.dropOld(now)
	return n
}

// Sessions returns how many conversations the store holds.
func (m *Store) Sessions() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}
