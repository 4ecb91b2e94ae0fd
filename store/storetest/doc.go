// Package storetest is the conformance suite of Baton's stores: every
// flows.Store (store/memory, store/bolt, store/valkey) runs it from its
// tests, so they all keep the same promises: compare-and-set saves, a
// session and its commit written atomically, the outbox's leases, order
// and dead letters, agents' loads, idle expiry, dedupe keys, due timers and
// the inbox.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, o storetest.Options) flows.Store {
//			return memory.New(memory.WithClock(o.Clock), memory.WithTTL(o.TTL))
//		})
//	}
package storetest
