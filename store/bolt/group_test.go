package bolt

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"
)

func openGroup(t *testing.T) *group {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	return &group{db: db}
}

// queued waits until n writes wait behind the leader.
func (g *group) queued(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		g.mu.Lock()
		q := len(g.queue)
		g.mu.Unlock()
		if q >= n {
			return
		}
	}
	t.Fatalf("fewer than %d writes queued", n)
}

// leading waits until a leader commits.
func (g *group) leading(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		g.mu.Lock()
		busy := g.busy
		g.mu.Unlock()
		if busy {
			return
		}
	}
	t.Fatal("no write leads")
}

func put(key string, txs *sync.Map) func(*bbolt.Tx) error {
	return func(tx *bbolt.Tx) error {
		txs.Store(key, tx.ID())
		return tx.Bucket([]byte("b")).Put([]byte(key), []byte("v"))
	}
}

func get(t *testing.T, g *group, key string) bool {
	t.Helper()
	var ok bool
	if err := g.db.View(func(tx *bbolt.Tx) error { ok = tx.Bucket([]byte("b")).Get([]byte(key)) != nil; return nil }); err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestGroupCommitsTogether: the writes that arrive while a commit is
// under way are committed together, in one transaction, and each returns
// with its data on disk; one that fails (or panics) fails alone.
func TestGroupCommitsTogether(t *testing.T) {
	g := openGroup(t)
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	t.Cleanup(open) // a failed wait must not leave the leader blocked
	var txs sync.Map
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := g.update(func(tx *bbolt.Tx) error { <-release; return put("first", &txs)(tx) }); err != nil {
			t.Error(err)
		}
	})
	// The first write leads; the others queue behind its commit.
	g.leading(t)
	const n = 40
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			fn := put(fmt.Sprint("k", i), &txs)
			switch i {
			case 7:
				fn = func(tx *bbolt.Tx) error {
					_ = tx.Bucket([]byte("b")).Put([]byte("k7"), []byte("v"))
					return errors.New("refused")
				}
			case 23:
				fn = func(*bbolt.Tx) error { panic("boom") }
			}
			errs[i] = g.update(fn)
		})
	}
	g.queued(t, n)
	open()
	wg.Wait()

	ids := map[any]bool{}
	for i := range n {
		key := fmt.Sprint("k", i)
		switch i {
		case 7:
			if errs[i] == nil || errs[i].Error() != "refused" || get(t, g, key) {
				t.Errorf("the failing write: error %v, written %v; want its error and nothing written", errs[i], get(t, g, key))
			}
		case 23:
			if errs[i] == nil {
				t.Error("the panicking write returned no error")
			}
		default:
			if errs[i] != nil || !get(t, g, key) {
				t.Errorf("write %d: error %v, written %v", i, errs[i], get(t, g, key))
			}
			id, _ := txs.Load(key)
			ids[id] = true
		}
	}
	// The queued writes went in one group, committed again without each
	// failing one: at most three transactions.
	if len(ids) > 3 {
		t.Errorf("%d queued writes took %d transactions, want at most 3", n-2, len(ids))
	}
	if g.busy || len(g.queue) > 0 {
		t.Errorf("after the writes: busy %v, %d queued", g.busy, len(g.queue))
	}
}

// TestGroupSerializes: writes that read what they change (a counter, as
// a compare-and-set does) lose nothing when they share transactions.
func TestGroupSerializes(t *testing.T) {
	g := openGroup(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				err := g.update(func(tx *bbolt.Tx) error {
					b := tx.Bucket([]byte("b"))
					n := 0
					if v := b.Get([]byte("n")); v != nil {
						fmt.Sscan(string(v), &n)
					}
					return b.Put([]byte("n"), []byte(fmt.Sprint(n+1)))
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	var got string
	g.db.View(func(tx *bbolt.Tx) error { got = string(tx.Bucket([]byte("b")).Get([]byte("n"))); return nil })
	if got != "400" {
		t.Errorf("counter = %s, want 400", got)
	}
}
