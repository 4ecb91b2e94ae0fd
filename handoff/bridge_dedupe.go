package handoff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

type deliveryKey struct{}

// Delivery names the helpdesk delivery an input came from.
type Delivery struct {
	// Key is stable across the helpdesk's redeliveries: Zendesk's
	// invocation id, a webhook-id, or one derived from a Freshdesk
	// request's ticket and content, followed by the input's index in the
	// request.
	Key string
	// TTL is how long the key is to be remembered: a content key only
	// for minutes, so an agent's identical later reply is not dropped.
	TTL time.Duration
}

// WithDelivery returns ctx carrying the delivery an input came from; the
// bridge handlers set it for Deliver.
func WithDelivery(ctx context.Context, d Delivery) context.Context {
	return context.WithValue(ctx, deliveryKey{}, d)
}

// DeliveryOf returns the helpdesk delivery that ctx's input came from. A
// host that makes inputs durable keys them by it (an inbox entry id kept
// for its TTL), so that a redelivery is dropped in the same write that
// would accept it (HandlerAcceptDedupe).
func DeliveryOf(ctx context.Context) (Delivery, bool) {
	d, ok := ctx.Value(deliveryKey{}).(Delivery)
	return d, ok && d.Key != ""
}

// memDeduper is a handler's own flows.Deduper when none is given: this
// process's memory, bounded.
type memDeduper struct {
	mu   sync.Mutex
	now  func() time.Time
	keys map[string]time.Time // key → expiry
}

var _ flows.Deduper = (*memDeduper)(nil)

const memDeduperMax = 100000

func newMemDeduper(now func() time.Time) *memDeduper {
	return &memDeduper{now: now, keys: map[string]time.Time{}}
}

func (m *memDeduper) Seen(_ context.Context, key string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if exp, ok := m.keys[key]; ok && now.Before(exp) {
		return true, nil
	}
	if len(m.keys) >= memDeduperMax {
		for k, exp := range m.keys {
			if !now.Before(exp) {
				delete(m.keys, k)
			}
		}
		if len(m.keys) >= memDeduperMax {
			clear(m.keys)
		}
	}
	m.keys[key] = now.Add(ttl)
	return false, nil
}

// keySet is a small set of keys safe for concurrent use.
type keySet struct {
	mu   sync.Mutex
	keys map[string]bool
}

func (s *keySet) add(k string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil || len(s.keys) > 10000 {
		s.keys = map[string]bool{}
	}
	s.keys[k] = true
}

// take removes k and reports whether it was there.
func (s *keySet) take(k string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := s.keys[k]
	delete(s.keys, k)
	return ok
}

// contentKey is a dedupe key derived from parts of a request.
func contentKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
