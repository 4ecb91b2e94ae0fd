package valkey

import (
	"testing"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/storetest"
)

// TestConformance runs the stores' conformance suite on a single server
// and on a three-node cluster.
func TestConformance(t *testing.T) {
	forKinds(t, func(t *testing.T, kind string) {
		storetest.Run(t, func(t *testing.T, o storetest.Options) flows.Store {
			return open(t, kind, WithClock(o.Clock), WithTTL(o.TTL), WithDeliveredRetention(o.KeepDelivered), WithInboxDedupe(o.InboxDedupe))
		})
	})
}
