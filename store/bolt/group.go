package bolt

import (
	"fmt"
	"sync"

	bbolt "go.etcd.io/bbolt"
)

// maxGroup bounds the writes one transaction commits together.
const maxGroup = 256

// group commits concurrent writes together: one bbolt transaction, one
// fsync, for every write that arrived while the previous commit was under
// way (a group commit). Each write still returns only once its
// transaction is on disk, and sees the data of every write before it, as
// if they had run one at a time; a lone write is committed at once, by
// its own goroutine, without waiting for company.
//
// The first writer to find no commit under way leads: it commits the
// writes queued (its own first), then hands the lead to the oldest write
// queued meanwhile, whose goroutine commits the next group. bbolt's
// DB.Batch groups writes too, but waits up to 10 ms for them.
type group struct {
	db    *bbolt.DB
	mu    sync.Mutex
	queue []*write
	busy  bool // a leader is committing
}

type write struct {
	fn  func(*bbolt.Tx) error
	err error
	// lead is set before done is closed when this write's goroutine is to
	// commit the next group instead of waiting for its result.
	lead bool
	done chan struct{}
}

// update runs fn in a read-write transaction, possibly shared with other
// writes, and returns once it is committed. fn may run more than once (a
// write after it in the same group failed, and the group is committed
// again without it): it must depend on nothing but the transaction, and
// set what it reports afresh each time.
func (g *group) update(fn func(*bbolt.Tx) error) error {
	w := &write{fn: fn, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	if g.busy {
		g.mu.Unlock()
		<-w.done
		if !w.lead {
			return w.err
		}
	} else {
		g.busy = true
		g.mu.Unlock()
	}
	// Leading: w is the oldest write queued.
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	batch := make([]*write, n)
	copy(batch, g.queue)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()

	g.commit(batch)

	g.mu.Lock()
	if len(g.queue) > 0 {
		next := g.queue[0]
		next.lead = true
		close(next.done)
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	for _, b := range batch[1:] {
		close(b.done)
	}
	return w.err
}

// commit runs the writes in one transaction and sets their errors. When
// one fails, the transaction is rolled back: the writes before it are
// committed again without it (they leave the state it failed on), it gets
// its error, and the writes after it go on.
func (g *group) commit(batch []*write) {
	for len(batch) > 0 {
		failed := -1
		var ferr error
		err := g.db.Update(func(tx *bbolt.Tx) error {
			for i, w := range batch {
				if err := safely(w.fn, tx); err != nil {
					failed, ferr = i, err
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, w := range batch {
				w.err = err // nil, or the commit's own failure
			}
			return
		}
		g.commit(batch[:failed])
		batch[failed].err = ferr
		batch = batch[failed+1:]
	}
}

// safely runs fn, turning a panic into an error: a write that panics
// fails alone instead of leaving the group without a leader.
func safely(fn func(*bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("bolt store: a write panicked: %v", p)
		}
	}()
	return fn(tx)
}
