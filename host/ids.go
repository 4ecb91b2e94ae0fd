package host

import (
	"crypto/rand"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// NewIDs returns a generator of globally unique ids: lowercase ULIDs
// (26 characters, time-ordered), from the clock now and crypto/rand,
// monotonic within one millisecond. The engine uses it for handoff,
// HTTP-request and timer ids, so two processes, two stores or a store
// that was reset never reuse a helpdesk idempotency key, tag or
// webhook-id. Safe for concurrent use.
func NewIDs(now func() time.Time) func() string {
	return newIDs(now, rand.Reader)
}

func newIDs(now func() time.Time, entropy io.Reader) func() string {
	if now == nil {
		now = time.Now
	}
	var mu sync.Mutex
	mono := ulid.Monotonic(entropy, 0)
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		id, err := ulid.New(ulid.Timestamp(now()), mono)
		if err != nil {
			// The monotonic counter overflowed within one millisecond
			// (2^80 ids) or the entropy failed: start a fresh sequence.
			mono = ulid.Monotonic(entropy, 0)
			id = ulid.MustNew(ulid.Timestamp(now()), mono)
		}
		return strings.ToLower(id.String())
	}
}
