package host

import (
	"regexp"
	"sync"
	"testing"
	"time"
)

func TestIDsAreUniqueAndOrdered(t *testing.T) {
	at := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)
	next := NewIDs(func() time.Time { return at })
	other := NewIDs(func() time.Time { return at }) // another process, same millisecond
	shape := regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{26}$`)
	seen := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gen := next
			if g%2 == 1 {
				gen = other
			}
			prev := ""
			for range 500 {
				id := gen()
				if !shape.MatchString(id) {
					t.Errorf("id %q is not a lowercase ULID", id)
					return
				}
				if prev != "" && id <= prev {
					t.Errorf("a later id sorts first: %s ≤ %s", id, prev)
				}
				prev = id
				mu.Lock()
				if seen[id] {
					t.Errorf("id %q given twice", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	a, b := next(), next()
	if a >= b {
		t.Errorf("ids of one generator are not increasing: %s then %s", a, b)
	}
	later := NewIDs(func() time.Time { return at.Add(time.Second) })()
	if later <= b {
		t.Errorf("an id from a later time sorts first: %s ≤ %s", later, b)
	}
}
