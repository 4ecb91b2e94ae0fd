package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, o storetest.Options) flows.Store {
		s, err := bolt.Open(filepath.Join(t.TempDir(), "baton.db"), bolt.WithClock(o.Clock), bolt.WithTTL(o.TTL),
			bolt.WithDeliveredRetention(o.KeepDelivered, 0), bolt.WithInboxDedupe(o.InboxDedupe))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
