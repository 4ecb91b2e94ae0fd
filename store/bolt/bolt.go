package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/batonbot/baton/flows"
)

var (
	_ flows.Store       = (*Store)(nil)
	_ flows.OutboxStats = (*Store)(nil)
)

// SchemaVersion is the layout of the buckets this package writes; Open
// refuses a store of a later one.
const SchemaVersion = 1

// Buckets.
var (
	bMeta       = []byte("baton")        // format, version
	bSessions   = []byte("sessions")     // id → touched(8) rev(8) encoded session
	bTouched    = []byte("touched")      // touched(8) id → ∅: idle expiry
	bOutbox     = []byte("outbox")       // seq(8) → JSON item
	bOutboxIDs  = []byte("outbox_ids")   // item id → seq(8)
	bPending    = []byte("outbox_pend")  // seq(8) → ∅
	bDelivered  = []byte("outbox_done")  // seq(8) → ∅
	bDead       = []byte("outbox_dead")  // seq(8) → ∅
	bTickets    = []byte("tickets")      // handoff id → at(8) JSON ticket
	bLoads      = []byte("loads")        // agent → count (uvarint)
	bHeld       = []byte("loads_held")   // conv \0 agent → what conv's saves added to loads (uvarint)
	bTimers     = []byte("timers")       // at(8) conv \0 key → ∅
	bTimerKeys  = []byte("timer_keys")   // conv \0 key → at(8)
	bDedupe     = []byte("dedupe")       // key → until(8)
	bDedupeExp  = []byte("dedupe_exp")   // until(8) key → ∅
	bInbox      = []byte("inbox")        // seq(8) → JSON entry
	bInboxIDs   = []byte("inbox_ids")    // entry id → seq(8)
	bInboxSeen  = []byte("inbox_seen")   // id → until(8)
	bInboxSeenX = []byte("inbox_seen_x") // until(8) id → ∅
	// the SentLog: channel \0 message id → until(8) conversation, its
	// Sequence how many it holds; and until(8) channel \0 id → ∅
	bSent    = []byte("sent")
	bSentExp = []byte("sent_exp")
	// conversation id → its pending reply items (uvarint), counted again
	// by every Open (a Baton before it did not keep it)
	bReplies = []byte("outbox_replies")
	// kind \0 created(8) item id → ∅ and kind → count (uvarint): the
	// pending items by kind, for PendingStats; built again by every Open
	bPendKinds  = []byte("outbox_pend_kinds")
	bPendCounts = []byte("outbox_pend_counts")
	allBuckets  = [][]byte{bMeta, bSessions, bTouched, bOutbox, bOutboxIDs, bPending, bDelivered, bDead, bTickets, bLoads,
		bTimers, bTimerKeys, bDedupe, bDedupeExp, bInbox, bInboxIDs, bInboxSeen, bInboxSeenX, bReplies, bHeld, bPendKinds, bPendCounts, bSent, bSentExp}
	keyFormat  = []byte("format")
	keyVersion = []byte("version")
	formatName = []byte("baton-store")
)

// Store is the bbolt flows.Store.
type Store struct {
	db     *bbolt.DB
	closed atomic.Bool // set by Close: every call fails with flows.ErrClosed
	path   string
	now    func() time.Time
	ttl    time.Duration

	keepDelivered int
	keepFor       time.Duration
	inboxDedupe   time.Duration
	maxSent       int // the SentLog's bound, flows.MaxSent when 0
	lockTimeout   time.Duration
	noSync        bool

	// writes commits the writes of concurrent callers together.
	writes group

	// The leases live in memory. mu guards the inbox's; leaseMu the
	// outbox's, which a save takes inside its write transaction (an inbox
	// claim writes holding mu).
	mu          sync.Mutex
	inboxLeases map[string]time.Time // inbox entry id → lease end
	leaseMu     sync.Mutex
	leases      map[string]time.Time // outbox item id → lease end
	// claims names each pending item's latest claim (its LeaseID, from
	// claimSeq), for Settle to refuse a holder whose lease ran out.
	claims   map[string]int64
	claimSeq int64

	sweepMu   sync.Mutex
	lastSweep time.Time
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the store's clock (stamps, idle expiry, dedupe windows).
func WithClock(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.now = now
		}
	}
}

// WithTTL sets how long a conversation nobody touched is kept (default
// flows.DefaultSessionTTL); 0 or less keeps conversations for ever.
func WithTTL(ttl time.Duration) Option { return func(s *Store) { s.ttl = ttl } }

// WithDeliveredRetention keeps at most n delivered outbox items (default
// 1000), none older than age (default 7 days).
func WithDeliveredRetention(n int, age time.Duration) Option {
	return func(s *Store) {
		s.keepDelivered = max(n, 0)
		if age > 0 {
			s.keepFor = age
		}
	}
}

// WithInboxDedupe sets how long the inbox remembers an accepted message id
// (default flows.DefaultInboxDedupe).
func WithInboxDedupe(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.inboxDedupe = d
		}
	}
}

// WithLockTimeout sets how long Open waits for another process to release
// the file (default 500ms).
func WithLockTimeout(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.lockTimeout = d
		}
	}
}

// WithNoSync skips the fsync of each transaction: much faster, but a crash
// of the machine (not of the process) can lose the last saves. For bulk
// imports and benchmarks, never for a deployment.
func WithNoSync() Option { return func(s *Store) { s.noSync = true } }

// ErrLocked is wrapped by Open's error when another process holds the file.
var ErrLocked = errors.New("store file in use by another process")

// Open opens the store in the file at path, creating it when it does not
// exist.
func Open(path string, opts ...Option) (*Store, error) {
	s := &Store{path: path, now: time.Now, ttl: flows.DefaultSessionTTL, keepDelivered: 1000, keepFor: 7 * 24 * time.Hour,
		inboxDedupe: flows.DefaultInboxDedupe, lockTimeout: 500 * time.Millisecond,
		leases: map[string]time.Time{}, claims: map[string]int64{}, inboxLeases: map[string]time.Time{}}
	for _, o := range opts {
		o(s)
	}
	if err := refuseForeign(path); err != nil {
		return nil, err
	}
	fi, statErr := os.Stat(path)
	existed := statErr == nil && fi.Size() > 0
	db, err := openDB(path, &bbolt.Options{Timeout: s.lockTimeout, NoSync: s.noSync,
		// The freelist is rebuilt on open instead of written by every commit,
		// which otherwise grows with the file: what etcd runs with.
		NoFreelistSync: true, FreelistType: bbolt.FreelistMapType})
	var damaged errDamaged
	switch {
	case errors.As(err, &damaged):
		return nil, damagedFile(path, damaged)
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("bolt store %s: %w: %s; stop it or give this process another file", path, ErrLocked, lockHolder(path))
	case err != nil && existed && !errors.Is(err, os.ErrPermission):
		return nil, fmt.Errorf("bolt store %s: not a Baton store (%v); move it away or give another path", path, err)
	case err != nil:
		return nil, fmt.Errorf("bolt store %s: %w", path, err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		if err := s.initSchema(tx); err != nil {
			return err
		}
		return countReplies(tx)
	}); err != nil {
		db.Close()
		if errors.As(err, &damaged) {
			return nil, damagedFile(path, damaged)
		}
		return nil, fmt.Errorf("bolt store %s: %w", path, err)
	}
	s.db = db
	s.writes.db = db
	return s, nil
}

// errDamaged is what bbolt panicked with while opening a damaged file, or
// the damage checkPages or countReplies found.
type errDamaged struct{ v any }

func (e errDamaged) Error() string { return fmt.Sprint(e.v) }

// damagedFile is Open's refusal of the damaged file at path.
func damagedFile(path string, damaged errDamaged) error {
	return fmt.Errorf("bolt store %s: the file is damaged (%v): restore it from a backup, or move it away to start an empty store", path, damaged.v)
}

// openDB is bbolt.Open, with the panic (or memory fault) of a file whose
// pages are damaged or that was cut short turned into errDamaged, and the
// file it had opened closed. The file is read through first (checkDB):
// bbolt reports some damage by panicking in a goroutine of its own.
func openDB(path string, o *bbolt.Options) (*bbolt.DB, error) {
	if err := checkDB(path, o.Timeout); err != nil {
		return nil, err
	}
	return openGuarded(path, o, nil)
}

// openGuarded opens path as bbolt.Open does and, when use is not nil,
// calls it on the open database and closes it; a panic or memory fault in
// either, from a damaged file, is errDamaged, with the file closed.
func openGuarded(path string, o *bbolt.Options, use func(*bbolt.DB) error) (db *bbolt.DB, err error) {
	var f *os.File
	o.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		var err error
		f, err = os.OpenFile(name, flag, perm)
		return f, err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			if f != nil {
				// bbolt's mapping of the file, left behind, keeps the file
				// open, and with it the lock: released here, for another
				// try or another process.
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}
			db, err = nil, errDamaged{v}
		}
	}()
	if db, err = bbolt.Open(path, 0o600, o); err != nil || use == nil {
		return db, err
	}
	defer db.Close()
	return nil, use(db)
}

// checkDB reads every page of the existing file at path in use, holding
// the file's lock read-only, and returns errDamaged for the damage bbolt's
// Open reports by panicking in a goroutine nobody can recover, or by a
// memory fault, or that it would read through later (checkPages). It
// returns bbolt's error for a file it cannot open (ErrTimeout when another
// process holds it), and nil for a missing file.
func checkDB(path string, timeout time.Duration) error {
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return nil
	}
	_, err := openGuarded(path, &bbolt.Options{ReadOnly: true, Timeout: timeout}, func(db *bbolt.DB) error {
		return checkFile(path, db.Info().PageSize)
	})
	var damaged errDamaged
	if errors.Is(err, berrors.ErrTimeout) || errors.As(err, &damaged) {
		return err
	}
	return nil // any other error: bbolt.Open says it again, with its message
}

// refuseForeign refuses a file that bbolt would reject with a less clear
// message: the JSON file store of earlier versions, and other text.
func refuseForeign(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // missing: Open creates it; other errors: bbolt says
	}
	defer f.Close()
	head := make([]byte, 64)
	n, _ := f.Read(head)
	head = bytes.TrimLeft(head[:n], " \t\r\n")
	if len(head) > 0 && head[0] == '{' {
		return fmt.Errorf("bolt store %s is a JSON file, not a Baton store; if an earlier Baton wrote it, carry it over with 'baton store migrate %s NEW.db'", path, path)
	}
	return nil
}

// initSchema creates the buckets of a new store, and refuses a bbolt file
// that another program wrote or a newer Baton.
func (s *Store) initSchema(tx *bbolt.Tx) error {
	meta := tx.Bucket(bMeta)
	if meta == nil {
		empty := true
		_ = tx.ForEach(func([]byte, *bbolt.Bucket) error { empty = false; return nil })
		if !empty {
			return errors.New("a bbolt database of another program, not a Baton store; give another path")
		}
		for _, b := range allBuckets {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		meta = tx.Bucket(bMeta)
		if err := meta.Put(keyFormat, formatName); err != nil {
			return err
		}
		return meta.Put(keyVersion, binary.AppendUvarint(nil, SchemaVersion))
	}
	if !bytes.Equal(meta.Get(keyFormat), formatName) {
		return errors.New("not a Baton store (no Baton format mark); give another path")
	}
	v, _ := binary.Uvarint(meta.Get(keyVersion))
	if v > SchemaVersion {
		return fmt.Errorf("written by a newer Baton (store schema %d, this Baton reads up to %d); upgrade Baton", v, SchemaVersion)
	}
	for _, b := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	return nil
}

// LockHolder says which process holds the lock on the store file at path
// ("process 123 (baton serve baton.yaml) holds it"), from /proc/locks where
// there is one: for a program's own message after Open's ErrLocked.
func LockHolder(path string) string { return lockHolder(path) }

// lockHolder says which process holds the lock on path, from /proc/locks
// where there is one.
func lockHolder(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "another process holds it"
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "another process holds it"
	}
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		return "another process holds it"
	}
	ino := ":" + strconv.FormatUint(st.Ino, 10)
	for _, line := range strings.Split(string(locks), "\n") {
		f := strings.Fields(line)
		// 1: FLOCK  ADVISORY  WRITE 12345 08:01:1234567 0 EOF
		if len(f) < 6 || f[1] != "FLOCK" || !strings.HasSuffix(f[5], ino) {
			continue
		}
		pid := f[4]
		if pid == strconv.Itoa(os.Getpid()) {
			return "this process opened it already (pid " + pid + ")"
		}
		desc := "process " + pid
		if cmd, err := os.ReadFile("/proc/" + pid + "/cmdline"); err == nil && len(cmd) > 0 {
			desc += " (" + strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " ")) + ")"
		}
		return desc + " holds it"
	}
	return "another process holds it"
}

// Path returns the store's file.
func (s *Store) Path() string { return s.path }

// Close closes the file, releasing the lock, once the transactions under
// way end. Every call afterwards, and one under way that had not begun its
// transaction, fails with an error wrapping flows.ErrClosed.
func (s *Store) Close() error {
	s.closed.Store(true)
	return s.db.Close()
}

// view and update are s.db.View and s.writes.update for the store's
// calls: a call under way when the store closes, which bbolt then refuses
// ("database not open"), fails as a call after Close does.
func (s *Store) view(fn func(*bbolt.Tx) error) error { return s.underWay(s.db.View(fn)) }

func (s *Store) update(fn func(*bbolt.Tx) error) error { return s.underWay(s.writes.update(fn)) }

// underWay is err, or an error wrapping flows.ErrClosed when err is
// bbolt's for a database closed under the call.
func (s *Store) underWay(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("bolt store %s: %w while the call was under way", s.path, flows.ErrClosed)
	}
	return err
}

// live returns an error wrapping flows.ErrClosed after Close, else
// ctx's error.
func (s *Store) live(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("bolt store %s: %w", s.path, flows.ErrClosed)
	}
	return ctx.Err()
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func at8(t time.Time) []byte { return u64(uint64(t.UnixNano())) }

func timeOf(b []byte) time.Time {
	if len(b) < 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b))).UTC()
}

func (s *Store) expired(touched, now time.Time) bool {
	return s.ttl > 0 && now.Sub(touched) >= s.ttl
}
